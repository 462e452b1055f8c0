"""autograder.channel: the data-only codec between the grader and a worker.

Round trips keep values and their exact types; everything that is not plain data, or a frame that
was forged or cut short, is refused with ChannelError; `recv` enforces its size cap and deadline.
"""
import json
import math
import pickle
import socket
import struct
import threading
import time

import numpy as np
import pytest
import torch

from autograder import channel
from autograder.channel import DTYPES, MAX_DEPTH, MAX_ITEMS, ChannelError, decode, encode


def roundtrip(value):
    return decode(encode(value))


def frame(header, data: bytes = b"") -> bytes:
    """A frame body made by hand: 4-byte header length, the header (JSON unless bytes), raw data."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack(">I", len(raw)) + raw + data


def assert_same(got, expected, where="value"):
    """Equal, and of exactly the same type at every level (nan equals nan, -0.0 keeps its sign)."""
    assert type(got) is type(expected), f"{where}: {type(got).__name__} instead of {type(expected).__name__}"
    if isinstance(expected, (list, tuple)):
        assert len(got) == len(expected), where
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            assert_same(g, e, f"{where}[{i}]")
    elif isinstance(expected, dict):
        assert list(got) == list(expected), where
        for key in expected:
            assert_same(got[key], expected[key], f"{where}[{key!r}]")
    elif isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got), where
    elif isinstance(expected, float):
        assert got == expected and math.copysign(1, got) == math.copysign(1, expected), where
    else:
        assert got == expected, where


def assert_same_tensor(got, expected: torch.Tensor):
    assert type(got) is torch.Tensor
    assert got.dtype == expected.dtype
    assert tuple(got.shape) == tuple(expected.shape)
    if expected.is_floating_point():
        assert torch.equal(torch.isnan(got), torch.isnan(expected))
        keep = ~torch.isnan(expected)
        assert torch.equal(got[keep], expected[keep])
    else:
        assert torch.equal(got, expected)


def sample(dtype: torch.dtype, shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    """A tensor of `dtype` with varied values (negative, large, non-finite where the dtype has them)."""
    g = torch.Generator().manual_seed(seed)
    n = math.prod(shape)
    if dtype == torch.bool:
        return (torch.rand(n, generator=g) > 0.5).reshape(shape)
    if dtype.is_floating_point:
        values = torch.randn(n, generator=g, dtype=torch.float64) * 1000
        special = [math.inf, -math.inf, math.nan, -0.0]
        values[:min(n, 4)] = torch.tensor(special[:min(n, 4)], dtype=torch.float64)
        return values.to(dtype).reshape(shape)
    info = torch.iinfo(dtype)
    values = torch.randint(info.min, info.max, (n,), generator=g, dtype=torch.int64).to(dtype)
    if n >= 2:
        values[0], values[1] = info.min, info.max
    return values.reshape(shape)


# ---------------------------------------------------------------- round trips of plain values

SCALARS = [
    None, True, False,
    0, 1, -1, 7, 2**31, 2**63, -(2**63) - 1, 2**64 + 1, 2**200, -(2**200), 10**62,
    0.0, -0.0, 1.5, -2.25, 0.1, 1e308, -1e-308, 5e-324, math.inf, -math.inf, math.nan,
    "", "conv2d", "héllo wörld ✓ 漢字", "line\nbreak\t\"quoted\" \\ back", "nul\x00byte",
    "\ud800 lone surrogate",
]


@pytest.mark.parametrize("value", SCALARS, ids=repr)
def test_scalar_round_trip_keeps_value_and_type(value):
    assert_same(roundtrip(value), value)


CONTAINERS = [
    [],
    (),
    {},
    [1, 2.0, "three", None, True],
    (1,),
    (1, 2.5, "x"),
    [(1, 2), (3, (4, 5))],
    ((), [], {}),
    {"a": 1, "b": 2.0, "c": "three", "d": None, "e": False},
    {"outer": {"inner": {"deepest": [1, (2, 3), {"k": -4}]}}},
    {"": "empty key", "with space": 1, "ünïcode": 2},
    # dict keys that look like the codec's own markers are still plain data
    {"int": "5"}, {"float": "nan"}, {"tuple": [1, 2]}, {"dict": {}}, {"tensor": 1}, {"ndarray": None},
    ["int", "tuple"],
    [math.nan, math.inf, -math.inf, 2**100, -0.0],
    {"ok": True, "value": (1, [2, {"x": (3.5, None)}]), "forbidden": []},
]


@pytest.mark.parametrize("value", CONTAINERS, ids=repr)
def test_container_round_trip_keeps_structure_and_types(value):
    assert_same(roundtrip(value), value)


TYPE_PRESERVATION = [
    # value, the exact type it must come back as, a type it must not become
    ((1, 2), tuple, list),
    ([1, 2], list, tuple),
    (3, int, float),
    (3.0, float, int),
    (True, bool, int),
    (1, int, bool),
    (0, int, bool),
    (False, bool, int),
    ("1", str, int),
]


@pytest.mark.parametrize(("value", "kind", "not_kind"), TYPE_PRESERVATION, ids=repr)
def test_type_is_preserved(value, kind, not_kind):
    out = roundtrip(value)
    assert type(out) is kind
    assert type(out) is not not_kind


def test_int_subclass_and_float_subclass_come_back_as_plain_types():
    class Small(int):
        pass

    class Ratio(float):
        pass

    out = roundtrip([Small(5), Ratio(0.5)])
    assert_same(out, [5, 0.5])


def test_round_trip_makes_a_new_object():
    value = {"a": [1, 2]}
    out = roundtrip(value)
    out["a"].append(3)
    assert value == {"a": [1, 2]}


# ---------------------------------------------------------------- tensors and arrays

SHAPES = [(), (0,), (2, 0, 3), (5,), (3, 4), (2, 3, 4)]


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype_name", sorted(DTYPES))
def test_tensor_round_trip_every_dtype_and_shape(dtype_name, shape):
    expected = sample(DTYPES[dtype_name], shape)
    out = roundtrip(expected)
    assert_same_tensor(out, expected)


def test_every_listed_dtype_is_a_torch_dtype_of_that_name():
    for name, dtype in DTYPES.items():
        assert dtype is getattr(torch, name)


def test_float_tensor_keeps_special_values_bit_exactly():
    expected = torch.tensor([math.inf, -math.inf, math.nan, -0.0, 0.0, 5e-324, 1e308], dtype=torch.float64)
    out = roundtrip(expected)
    assert torch.isposinf(out[0]) and torch.isneginf(out[1]) and torch.isnan(out[2])
    assert math.copysign(1, out[3].item()) == -1 and math.copysign(1, out[4].item()) == 1
    assert out[5].item() == 5e-324 and out[6].item() == 1e308


def _base():
    return torch.arange(24, dtype=torch.float32).reshape(4, 6)


NON_CONTIGUOUS = [
    ("transpose", lambda: _base().t()),
    ("step slice", lambda: _base()[:, ::2]),
    ("storage offset", lambda: _base()[1:, 2:]),
    ("expanded", lambda: torch.tensor([1.0, 2.0, 3.0]).expand(4, 3)),
    ("permuted 3-d", lambda: torch.arange(24, dtype=torch.int64).reshape(2, 3, 4).permute(2, 0, 1)),
    ("negative-like flip", lambda: torch.flip(_base(), dims=(0,))[::2]),
    ("diagonal", lambda: _base()[:, :4].diagonal()),
]


@pytest.mark.parametrize("make", [m for _, m in NON_CONTIGUOUS], ids=[n for n, _ in NON_CONTIGUOUS])
def test_non_contiguous_tensor_round_trips_with_its_logical_values(make):
    tensor = make()
    expected = torch.tensor(tensor.tolist(), dtype=tensor.dtype)  # built independently of its strides
    out = roundtrip(tensor)
    assert_same_tensor(out, expected)
    assert out.is_contiguous()


class MyTensor(torch.Tensor):
    pass


TENSOR_LIKES = [
    ("subclass", lambda: torch.ones(2, 3).as_subclass(MyTensor)),
    ("parameter", lambda: torch.nn.Parameter(torch.ones(2, 3))),
    ("requires_grad", lambda: torch.ones(2, 3, requires_grad=True)),
    ("non-leaf with grad_fn", lambda: torch.ones(2, 3, requires_grad=True) * 1),
]


@pytest.mark.parametrize("make", [m for _, m in TENSOR_LIKES], ids=[n for n, _ in TENSOR_LIKES])
def test_decoded_tensor_is_a_plain_tensor(make):
    value = make()
    assert isinstance(value, torch.Tensor)
    out = roundtrip({"x": value, "y": [value]})
    for tensor in (out["x"], out["y"][0]):
        assert type(tensor) is torch.Tensor
        assert not tensor.requires_grad and tensor.grad_fn is None
        assert torch.equal(tensor, torch.ones(2, 3))


def test_tensors_inside_containers_keep_their_order():
    tensors = [sample(DTYPES[name], (2, 3), seed=i) for i, name in enumerate(sorted(DTYPES))]
    out = roundtrip({"all": tuple(tensors), "first": tensors[0], "empty": torch.empty(0)})
    assert type(out["all"]) is tuple
    for got, expected in zip(out["all"], tensors, strict=True):
        assert_same_tensor(got, expected)
    assert_same_tensor(out["first"], tensors[0])
    assert_same_tensor(out["empty"], torch.empty(0))


def test_decoded_tensor_owns_writable_memory():
    out = roundtrip([torch.zeros(3), torch.zeros(3)])
    out[0] += 1
    assert torch.equal(out[0], torch.ones(3))
    assert torch.equal(out[1], torch.zeros(3))


NUMPY_DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


@pytest.mark.parametrize("shape", [(0,), (4,), (2, 3), (2, 0)], ids=str)
@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
def test_numpy_array_round_trip(dtype, shape):
    values = np.random.default_rng(0).integers(-100, 100, size=shape) / 4
    expected = (np.abs(values) if dtype in ("uint8", "bool") else values).astype(dtype)
    out = roundtrip(expected)
    assert type(out) is np.ndarray
    assert out.dtype == np.dtype(dtype)
    assert out.shape == shape
    assert np.array_equal(out, expected)


@pytest.mark.parametrize("make", [
    lambda: np.arange(24, dtype=np.float64).reshape(4, 6)[:, ::2],
    lambda: np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)),
    lambda: np.arange(12, dtype=np.int64).reshape(3, 4).T,
], ids=["step slice", "fortran order", "transpose"])
def test_non_contiguous_numpy_array_round_trips(make):
    array = make()
    out = roundtrip(array)
    assert type(out) is np.ndarray
    assert out.dtype == array.dtype and out.shape == array.shape
    assert out.tolist() == array.tolist()


def test_zero_dim_numpy_array_keeps_its_shape():
    out = roundtrip(np.array(3.5))
    assert type(out) is np.ndarray
    assert out.shape == ()
    assert out.item() == 3.5


@pytest.mark.parametrize("dtype", [">f4", ">i8", ">f8"])
def test_non_native_byte_order_array_round_trips(dtype):
    array = np.arange(6, dtype=dtype).reshape(2, 3)
    out = roundtrip(array)
    assert type(out) is np.ndarray
    assert out.shape == (2, 3) and out.dtype == array.dtype.newbyteorder("=")
    assert out.tolist() == array.tolist()


def test_numpy_array_and_tensor_stay_distinct():
    out = roundtrip((np.ones(2, dtype=np.float32), torch.ones(2)))
    assert type(out[0]) is np.ndarray
    assert type(out[1]) is torch.Tensor


def test_many_items_within_the_limit_round_trip():
    value = list(range(1000)) + [{"k": (i, str(i))} for i in range(100)]
    assert_same(roundtrip(value), value)


# ---------------------------------------------------------------- what encode refuses

def _function():
    return None


class _Plain:
    pass


UNSUPPORTED = [
    ("function", _function, "function"),
    ("lambda", lambda: 1, "function"),
    ("object", _Plain(), "_Plain"),
    ("bare object", object(), "object"),
    ("set", {1, 2}, "set"),
    ("frozenset", frozenset({1}), "frozenset"),
    ("bytes", b"raw", "bytes"),
    ("complex", 1 + 2j, "complex"),
    ("class", int, "type"),
    ("module", math, "module"),
    ("numpy datetime scalar", np.datetime64("2020-01-01"), "datetime64"),
    ("range", range(3), "range"),
    ("generator", (i for i in range(2)), "generator"),
    ("set nested in list", [1, [2, {3}]], "set"),
    ("function nested in dict", {"a": {"b": _function}}, "function"),
    ("object in tuple", (1, _Plain()), "_Plain"),
    ("bfloat16 tensor", torch.ones(2, dtype=torch.bfloat16), "bfloat16"),
    ("complex tensor", torch.ones(2, dtype=torch.complex64), "complex64"),
    ("bfloat16 in dict", {"x": torch.zeros(1, dtype=torch.bfloat16)}, "bfloat16"),
    ("complex ndarray", np.ones(2, dtype=np.complex128), "complex128"),
    ("uint16 ndarray", np.ones(2, dtype=np.uint16), "uint16"),
]


@pytest.mark.parametrize(("value", "named"), [(v, n) for _, v, n in UNSUPPORTED],
                         ids=[i for i, _, _ in UNSUPPORTED])
def test_unsupported_value_is_refused_naming_its_type(value, named):
    with pytest.raises(ChannelError) as info:
        encode({"value": value})
    assert named in str(info.value)


@pytest.mark.parametrize("array", [np.array([object()]), np.array(["a", "b"])], ids=["object", "str"])
def test_numpy_array_of_unsupported_dtype_is_a_channel_error(array):
    with pytest.raises(ChannelError):
        encode(array)


NON_STR_KEYS = [
    {1: "a"},
    {None: 1},
    {("a",): 1},
    {1.5: 1},
    {True: 1},
    {"fine": 1, 2: "not fine"},
    {"outer": {3: "inner"}},
    [{"a": 1}, {b"bytes": 1}],
]


@pytest.mark.parametrize("value", NON_STR_KEYS, ids=repr)
def test_dict_with_non_str_keys_is_refused(value):
    with pytest.raises(ChannelError, match="keys"):
        encode(value)


def nested(levels: int, kind: str = "list"):
    """`levels` containers around the leaf 0."""
    value = 0
    for i in range(levels):
        if kind == "mixed":
            value = ([value], (value,), {"k": value})[i % 3]
        else:
            value = {"list": [value], "tuple": (value,), "dict": {"k": value}}[kind]
    return value


@pytest.mark.parametrize("kind", ["list", "tuple", "dict", "mixed"])
def test_nesting_up_to_max_depth_round_trips(kind):
    value = nested(MAX_DEPTH, kind)
    assert_same(roundtrip(value), value)


@pytest.mark.parametrize("extra", [1, 5, 100])
@pytest.mark.parametrize("kind", ["list", "tuple", "dict", "mixed"])
def test_nesting_deeper_than_max_depth_is_refused(kind, extra):
    with pytest.raises(ChannelError, match=str(MAX_DEPTH)):
        encode(nested(MAX_DEPTH + extra, kind))


def test_self_referencing_list_is_refused_not_a_recursion_error():
    loop: list = []
    loop.append(loop)
    with pytest.raises(ChannelError):
        encode(loop)


@pytest.mark.parametrize("value", [10**63, -(10**62), 2**256], ids=["10**63", "-10**62", "2**256"])
def test_encode_and_decode_agree_on_big_ints(value):
    try:
        body = encode(value)
    except ChannelError:
        return  # refusing at encode time, with a clear message, is also fine
    assert roundtrip(value) == value and decode(body) == value


# ---------------------------------------------------------------- what decode refuses

def tensor_header(dtype="float32", shape=(2, 3), nbytes=24):
    return {"tensor": {"dtype": dtype, "shape": list(shape), "nbytes": nbytes}}


FORGED = [
    # id, frame body
    ("empty body", b""),
    ("body shorter than header length", b"\x00\x00\x00"),
    ("header length beyond body", struct.pack(">I", 100) + b"null"),
    ("header length beyond MAX_HEADER", struct.pack(">I", channel.MAX_HEADER + 1) + b"null"),
    ("shape larger than nbytes", frame(tensor_header(shape=(2, 3), nbytes=16), b"\x00" * 16)),
    ("shape smaller than nbytes", frame(tensor_header(shape=(2, 3), nbytes=28), b"\x00" * 28)),
    ("nbytes of another dtype", frame(tensor_header(dtype="float64", shape=(3,), nbytes=12), b"\x00" * 12)),
    ("empty shape with bytes", frame(tensor_header(shape=(0, 3), nbytes=4), b"\x00" * 4)),
    ("negative dimension", frame(tensor_header(shape=(-2, -3), nbytes=24), b"\x00" * 24)),
    ("float dimension", frame(tensor_header(shape=(2.0, 3), nbytes=24), b"\x00" * 24)),
    ("bool dimension", frame(tensor_header(shape=(True, 6), nbytes=24), b"\x00" * 24)),
    ("string dimension", frame(tensor_header(shape=("2", 3), nbytes=24), b"\x00" * 24)),
    ("shape not a list", frame({"tensor": {"dtype": "float32", "shape": 6, "nbytes": 24}}, b"\x00" * 24)),
    ("more than 16 dims", frame(tensor_header(shape=(1,) * 17, nbytes=4), b"\x00" * 4)),
    ("huge shape", frame(tensor_header(shape=(2**40, 2**40), nbytes=24), b"\x00" * 24)),
    ("nbytes not an int", frame(tensor_header(nbytes=24.0), b"\x00" * 24)),
    ("nbytes negative", frame(tensor_header(shape=(0,), nbytes=-4), b"")),
    ("tensor spec missing nbytes", frame({"tensor": {"dtype": "float32", "shape": [1]}}, b"\x00" * 4)),
    ("tensor spec extra key", frame({"tensor": {"dtype": "float32", "shape": [1], "nbytes": 4, "x": 0}},
                                    b"\x00" * 4)),
    ("tensor spec not a dict", frame({"tensor": ["float32", [1], 4]}, b"\x00" * 4)),
    ("ndarray size mismatch", frame({"ndarray": {"dtype": "int32", "shape": [5], "nbytes": 16}},
                                    b"\x00" * 16)),
    ("unknown dtype bfloat16", frame(tensor_header(dtype="bfloat16", shape=(2,), nbytes=4), b"\x00" * 4)),
    ("unknown dtype float128", frame(tensor_header(dtype="float128", shape=(1,), nbytes=16), b"\x00" * 16)),
    ("unknown dtype complex64", frame(tensor_header(dtype="complex64", shape=(1,), nbytes=8), b"\x00" * 8)),
    ("dtype with torch prefix", frame(tensor_header(dtype="torch.float32", shape=(1,), nbytes=4), b"\0" * 4)),
    ("dtype wrong case", frame(tensor_header(dtype="Float32", shape=(1,), nbytes=4), b"\x00" * 4)),
    ("dtype not a string", frame(tensor_header(dtype=5, shape=(1,), nbytes=4), b"\x00" * 4)),
    ("int not a number", frame({"int": "twelve"})),
    ("int is a float string", frame({"int": "1.5"})),
    ("int is empty", frame({"int": ""})),
    ("int is hex", frame({"int": "0x10"})),
    ("int payload not a string", frame({"int": 12})),
    ("int too long", frame({"int": "9" * 64})),
    ("float not a known special", frame({"float": "1.5"})),
    ("float spelled Infinity", frame({"float": "Infinity"})),
    ("float payload number", frame({"float": 1.5})),
    ("bare JSON int", frame(5)),
    ("JSON int inside list", frame([1, 2])),
    ("empty dict node", frame({})),
    ("dict node with two keys", frame({"int": "1", "float": "nan"})),
    ("unknown node kind", frame({"pickle": "abc"})),
    ("tuple payload not a list", frame({"tuple": {"a": 1}})),
    ("dict payload not a dict", frame({"dict": [1, 2]})),
    ("raw dict value inside dict", frame({"dict": {"a": {"b": 1, "c": 2}}})),
    ("nested deeper than MAX_DEPTH", frame(json.loads("[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)))),
    ("too many items", frame([None] * (MAX_ITEMS + 1))),
    ("JSON nested beyond the recursion limit", frame(b"[" * 100_000 + b"]" * 100_000)),
    ("header not JSON", frame(b"{not json")),
    ("header not UTF-8", frame(b"\xff\xfe\xfa\x00garbage")),
    ("header empty", frame(b"")),
    ("header is a pickle", frame(pickle.dumps({"ok": True}))),
]


@pytest.mark.parametrize("body", [b for _, b in FORGED], ids=[i for i, _ in FORGED])
def test_forged_or_malformed_frame_is_refused(body):
    with pytest.raises(ChannelError):
        decode(body)


@pytest.mark.parametrize("dtype", [[], {}, ["float32"]], ids=repr)
def test_unhashable_dtype_is_a_channel_error(dtype):
    with pytest.raises(ChannelError):
        decode(frame(tensor_header(dtype=dtype, shape=(1,), nbytes=4), b"\x00" * 4))


def test_forged_header_size_mismatch_is_reported_as_such():
    with pytest.raises(ChannelError, match="size"):
        decode(frame(tensor_header(shape=(2, 3), nbytes=16), b"\x00" * 16))


def test_hand_made_frames_that_are_valid_decode():
    """The forged cases above fail for the reason named, not because the hand-made framing is off."""
    data = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
    out = decode(frame({"dict": {"t": tensor_header(shape=(2, 3), nbytes=24), "n": {"int": "-12"},
                                 "f": {"float": "-inf"}, "tup": {"tuple": [1.5, None]}}}, data))
    assert torch.equal(out["t"], torch.tensor([[1.0, 2, 3], [4, 5, 6]]))
    assert_same(out["n"], -12)
    assert_same(out["f"], -math.inf)
    assert_same(out["tup"], (1.5, None))
    assert_same(decode(frame([1.5, "s", None, True])), [1.5, "s", None, True])


@pytest.mark.parametrize("cut", [1, 4, 23, 24])
def test_truncated_tensor_data_is_refused(cut):
    body = encode({"t": torch.arange(6, dtype=torch.float32)})
    with pytest.raises(ChannelError):
        decode(body[:-cut])


def test_truncated_header_is_refused():
    body = encode({"a": [1, 2, 3], "b": "text"})
    for end in range(len(body)):
        with pytest.raises(ChannelError):
            decode(body[:end])


@pytest.mark.parametrize("extra", [b"\x00", b"x" * 100, struct.pack(">I", 4) + b"null"],
                         ids=["1", "100", "frame"])
def test_trailing_bytes_are_refused(extra):
    for value in ({"a": 1}, torch.ones(3), [np.zeros(2), torch.zeros(0)]):
        body = encode(value)
        decode(body)  # the untouched body is fine
        with pytest.raises(ChannelError, match="trailing"):
            decode(body + extra)


def test_second_tensor_cannot_borrow_the_first_tensors_bytes():
    """Two tensors each claim the same 24 bytes: the second one runs out of data."""
    header = [tensor_header(), tensor_header()]
    with pytest.raises(ChannelError):
        decode(frame(header, b"\x00" * 24))
    assert len(decode(frame(header, b"\x00" * 48))) == 2


# ---------------------------------------------------------------- no pickle anywhere

SIDE_EFFECTS: list[str] = []


def _record_side_effect(tag):
    SIDE_EFFECTS.append(tag)
    return {"ok": True}


class _Evil:
    def __reduce__(self):
        return (_record_side_effect, ("unpickled",))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_pickled_payload_is_refused_and_never_unpickled(protocol):
    SIDE_EFFECTS.clear()
    payload = pickle.dumps(_Evil(), protocol=protocol)
    assert pickle.loads(payload) == {"ok": True} and SIDE_EFFECTS == ["unpickled"]  # the payload is live
    SIDE_EFFECTS.clear()
    for body in (payload, frame(payload), frame({"ndarray": tensor_header()["tensor"]}, payload)):
        with pytest.raises(ChannelError):
            decode(body)
    assert SIDE_EFFECTS == []


def test_decode_never_calls_a_pickle_loader(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("decode used a pickle-based loader")

    body = encode({"t": torch.ones(2, 2), "a": np.arange(3), "n": 2**70, "x": (1.5, math.nan, "s")})
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    out = decode(body)
    assert torch.equal(out["t"], torch.ones(2, 2))
    assert out["a"].tolist() == [0, 1, 2]
    assert out["n"] == 2**70


def test_header_is_json_text():
    body = encode({"a": (1, 2.5), "t": torch.ones(1)})
    (size,) = struct.unpack(">I", body[:4])
    header = json.loads(body[4:4 + size].decode("utf-8"))
    assert isinstance(header, dict)
    assert body[4 + size:] == struct.pack("<f", 1.0) or body[4 + size:] == struct.pack(">f", 1.0)


# ---------------------------------------------------------------- send / recv over a socket

@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def test_send_recv_round_trip(pair):
    a, b = pair
    message = {"ok": True, "value": (torch.arange(6.0).reshape(2, 3), [1, -2**70, math.nan]), "forbidden": []}
    channel.send(a, message)
    out = channel.recv(b, max_bytes=1 << 20, deadline=time.monotonic() + 5)
    assert torch.equal(out["value"][0], torch.arange(6.0).reshape(2, 3))
    assert out["value"][1][:2] == [1, -2**70] and math.isnan(out["value"][1][2])
    assert type(out["value"]) is tuple


def test_messages_keep_their_boundaries(pair):
    a, b = pair
    for i in range(5):
        channel.send(a, {"i": i, "t": torch.full((i,), float(i))})
    for i in range(5):
        out = channel.recv(b, max_bytes=1 << 20)
        assert out["i"] == i and torch.equal(out["t"], torch.full((i,), float(i)))


def test_large_message_arrives_whole(pair):
    a, b = pair
    tensor = torch.arange(1 << 20, dtype=torch.float64)  # 8 MiB: more than a socket buffer holds
    sender = threading.Thread(target=channel.send, args=(a, {"t": tensor}))
    sender.start()
    try:
        out = channel.recv(b, max_bytes=16 << 20, deadline=time.monotonic() + 10)
    finally:
        sender.join(10)
    assert torch.equal(out["t"], tensor)


def test_frame_exactly_at_max_bytes_is_accepted_one_more_is_refused(pair):
    a, b = pair
    body = encode({"t": torch.zeros(10)})
    a.sendall(struct.pack(">Q", len(body)) + body)
    assert torch.equal(channel.recv(b, max_bytes=len(body))["t"], torch.zeros(10))
    a.sendall(struct.pack(">Q", len(body)) + body)
    with pytest.raises(ChannelError):
        channel.recv(b, max_bytes=len(body) - 1)


def test_oversized_frame_is_refused_before_its_body_is_read(pair):
    a, b = pair
    claimed = 5 << 20
    a.sendall(struct.pack(">Q", claimed) + b"x" * 100)  # only 100 of the claimed bytes ever arrive
    started = time.monotonic()
    with pytest.raises(ChannelError) as info:
        channel.recv(b, max_bytes=1 << 20, deadline=started + 5)
    assert time.monotonic() - started < 2  # it did not wait for the body
    assert "5.0 MiB" in str(info.value) and "1 MiB" in str(info.value)
    b.setblocking(False)
    assert b.recv(1000) == b"x" * 100  # the body was left unread


def test_recv_of_partial_body_times_out_at_the_deadline(pair):
    a, b = pair
    body = encode({"t": torch.zeros(100)})
    a.sendall(struct.pack(">Q", len(body)) + body[: len(body) // 2])
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        channel.recv(b, max_bytes=1 << 20, deadline=started + 0.2)
    elapsed = time.monotonic() - started
    assert 0.18 <= elapsed < 3


def test_recv_of_partial_length_prefix_times_out(pair):
    a, b = pair
    a.sendall(b"\x00\x00\x00")
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        channel.recv(b, max_bytes=1 << 20, deadline=started + 0.1)
    assert 0.08 <= time.monotonic() - started < 3


def test_recv_with_a_passed_deadline_times_out_at_once(pair):
    a, b = pair
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        channel.recv(b, max_bytes=1 << 20, deadline=started - 1)
    assert time.monotonic() - started < 1


def test_recv_when_peer_closes_mid_frame_is_eof(pair):
    a, b = pair
    body = encode([1, 2, 3])
    a.sendall(struct.pack(">Q", len(body)) + body[:3])
    a.close()
    with pytest.raises(EOFError):
        channel.recv(b, max_bytes=1 << 20, deadline=time.monotonic() + 5)


def test_recv_of_forged_frame_is_a_channel_error(pair):
    a, b = pair
    body = frame(tensor_header(shape=(2, 3), nbytes=16), b"\x00" * 16)
    a.sendall(struct.pack(">Q", len(body)) + body)
    with pytest.raises(ChannelError):
        channel.recv(b, max_bytes=1 << 20, deadline=time.monotonic() + 5)


def test_send_refuses_unsupported_data_without_writing(pair):
    a, b = pair
    with pytest.raises(ChannelError):
        channel.send(a, {"f": _function})
    b.setblocking(False)
    with pytest.raises(BlockingIOError):
        b.recv(1)


@pytest.mark.parametrize("scalar", [np.int64(3), np.float32(1.5), np.bool_(True)], ids=str)
def test_numpy_scalar_arrives_as_a_0d_array(scalar):
    """So that check() can say 'should be a Python int, got ndarray' instead of refusing the reply."""
    value = channel.decode(channel.encode(scalar))
    assert isinstance(value, np.ndarray) and value.shape == () and value.dtype == scalar.dtype
    assert value.item() == scalar.item()
