"""autograder.checks: student-facing comparisons and the wording of their failures."""
import math
import re

import pytest
import torch

from autograder.checks import CheckFailure, check


def failure(got, expected, **kwargs) -> str:
    with pytest.raises(CheckFailure) as info:
        check(got, expected, **kwargs)
    return str(info.value)


def t(values, dtype=torch.float32):
    return torch.tensor(values, dtype=dtype)


def in_order(message: str, *parts: str) -> bool:
    """Every part occurs in message, each after the previous one."""
    at = 0
    for part in parts:
        at = message.find(part, at)
        if at < 0:
            return False
        at += len(part)
    return True


# ---------------------------------------------------------------- what passes

PASSING = [
    ("equal float32", t([1.0, 2.0]), t([1.0, 2.0]), {}),
    ("equal float64 2-d", t([[1.0, -2.5], [3.0, 4.0]], torch.float64),
     t([[1.0, -2.5], [3.0, 4.0]], torch.float64), {}),
    ("within default tolerance", t([1.0 + 1e-6]), t([1.0]), {}),
    ("0-d", torch.tensor(3.0), torch.tensor(3.0), {}),
    ("empty", torch.empty(0, 3), torch.empty(0, 3), {}),
    ("equal int64", t([1, 2, 3], torch.int64), t([1, 2, 3], torch.int64), {}),
    ("equal uint8", t([0, 255], torch.uint8), t([0, 255], torch.uint8), {}),
    ("equal bool", t([True, False]), t([True, False]), {}),
    ("equal infinities", t([math.inf, -math.inf, 1.0]), t([math.inf, -math.inf, 1.0]), {}),
    ("exact with tol (0, 0)", t([1e30, -3.25, 0.0], torch.float64), t([1e30, -3.25, 0.0], torch.float64),
     {"tol": (0, 0)}),
    ("float16", t([1.0, 2.0], torch.float16), t([1.0, 2.0], torch.float16), {}),
    ("python int", 3, 3, {}),
    ("big python int", 2**100, 2**100, {}),
    ("python float within tolerance", 0.1 + 0.2, 0.3, {}),
    ("python float exact inf", math.inf, math.inf, {}),
    ("python bool", True, True, {}),
    ("None", None, None, {}),
    ("str", "abc", "abc", {}),
    ("tuple of tensors", (t([1.0]), t([2.0])), (t([1.0]), t([2.0])), {"names": ("a", "b")}),
    ("list of mixed", [1, 2.0, "x", None], [1, 2.0, "x", None], {}),
    ("dict with extra keys in got", {"a": 1, "b": t([1.0]), "extra": 0}, {"a": 1, "b": t([1.0])}, {}),
    ("nested", {"x": (1, [t([1, 2], torch.int32)])}, {"x": (1, [t([1, 2], torch.int32)])}, {}),
]


@pytest.mark.parametrize(("got", "expected", "kwargs"), [c[1:] for c in PASSING], ids=[c[0] for c in PASSING])
def test_matching_values_pass(got, expected, kwargs):
    check(got, expected, **kwargs)


def test_check_failure_is_an_assertion_error():
    assert issubclass(CheckFailure, AssertionError)
    with pytest.raises(AssertionError):
        check(1, 2)


# ---------------------------------------------------------------- messages

# id, got, expected, kwargs, fragments the message must contain in this order
FAILING = [
    ("list instead of tensor", [1.0, 2.0], t([1.0, 2.0]), {"name": "grad_x"},
     ["grad_x:", "torch.Tensor", "list"]),
    ("None instead of tensor", None, t([1.0]), {"name": "out"}, ["out:", "torch.Tensor", "None"]),
    ("number instead of tensor", 2.0, torch.tensor(2.0), {}, ["output:", "torch.Tensor", "float"]),
    ("tensor subclass instead of a plain tensor", torch.nn.Parameter(t([1.0])), t([1.0]), {},
     ["torch.Tensor"]),
    ("shape 2-d", torch.zeros(2, 3), torch.zeros(3, 2), {"name": "y"},
     ["y:", "(2, 3)", "expected", "(3, 2)"]),
    ("shape rank", torch.zeros(3), torch.zeros(1, 3), {}, ["(3,)", "expected", "(1, 3)"]),
    ("shape 0-d", torch.zeros(1), torch.tensor(0.0), {}, ["(1,)", "expected", "()"]),
    ("shape before dtype", torch.zeros(2, 3, dtype=torch.float32), torch.zeros(3, 2, dtype=torch.float64), {},
     ["(2, 3)", "(3, 2)"]),
    ("dtype float", torch.zeros(2, dtype=torch.float32), torch.zeros(2, dtype=torch.float64), {"name": "out"},
     ["out:", "float32", "expected", "float64"]),
    ("dtype int vs float", torch.zeros(2, dtype=torch.int64), torch.zeros(2, dtype=torch.float32), {},
     ["int64", "expected", "float32"]),
    ("nan 1-d", t([1.0, math.nan, 3.0]), t([1.0, 2.0, 3.0]), {"name": "out"}, ["out:", "nan", "(1,)", "2"]),
    ("nan 2-d", t([[0.0, 0.0, 0.0], [0.0, 0.0, math.nan]]), torch.zeros(2, 3), {}, ["nan", "(1, 2)"]),
    ("inf", t([1.0, math.inf]), t([1.0, 2.0]), {}, ["inf", "(1,)"]),
    ("int tensor", t([1, 2, 3], torch.int64), t([1, 2, 4], torch.int64), {"name": "idx"},
     ["idx:", "1 of 3", "(2,)", "3", "4"]),
    ("bool tensor", t([True, True, False, False]), t([True, False, False, True]), {},
     ["2 of 4", "(1,)"]),
    ("tuple length with names", (t([1.0]), t([2.0])), (t([1.0]), t([2.0]), t([3.0])),
     {"name": "grads", "names": ("grad_x", "grad_weight", "grad_bias")},
     ["grads:", "2", "expected 3", "grad_x", "grad_weight", "grad_bias"]),
    ("tuple length without names", (1, 2, 3), (1, 2), {}, ["3", "expected 2"]),
    ("tensor instead of tuple", t([1.0]), (t([1.0]), t([2.0])), {}, ["tuple", "2"]),
    ("element of a named tuple", (t([1.0]), t([5.0])), (t([1.0]), t([2.0])), {"names": ("grad_x", "grad_w")},
     ["grad_w:", "1 of 1"]),
    ("element of an unnamed tuple", (1, 5), (1, 2), {"name": "sizes"}, ["sizes[1]", "5", "2"]),
    ("float for int", 3.0, 3, {"name": "n"}, ["n:", "int", "float"]),
    ("bool for int", True, 1, {"name": "n"}, ["n:", "int", "bool"]),
    ("tensor for int", torch.tensor(3), 3, {}, ["int", "tensor"]),
    ("str for int", "3", 3, {}, ["int", "str"]),
    ("wrong int", 4, 3, {"name": "size"}, ["size:", "4", "expected 3"]),
    ("int for bool", 1, True, {}, ["int", "bool"]),
    ("wrong bool", False, True, {}, ["False", "True"]),
    ("bool for float", True, 1.0, {}, ["float", "bool"]),
    ("str for float", "1.0", 1.0, {}, ["float", "str"]),
    ("wrong float", 1.1, 1.0, {"name": "r"}, ["r:", "1.1", "expected 1.0"]),
    ("nan for float", math.nan, 1.0, {}, ["nan", "1.0"]),
    ("0 for None", 0, None, {}, ["0", "None"]),
    ("None for str", None, "abc", {}, ["None", "abc"]),
    ("wrong str", "abd", "abc", {}, ["abd", "abc"]),
    ("list for dict", [1], {"a": 1}, {}, ["dict", "list"]),
    ("dict missing key", {"a": 1}, {"a": 1, "b": 2}, {"name": "cfg"}, ["cfg:", "'b'"]),
    ("dict wrong value", {"a": 1, "b": 3}, {"a": 1, "b": 2}, {"name": "cfg"}, ["cfg['b']", "3", "2"]),
]


@pytest.mark.parametrize(("got", "expected", "kwargs", "fragments"), [c[1:] for c in FAILING],
                         ids=[c[0] for c in FAILING])
def test_failure_message_names_the_thing_and_says_got_vs_expected(got, expected, kwargs, fragments):
    message = failure(got, expected, **kwargs)
    assert in_order(message, *fragments), message
    assert "Hint" not in message


def test_shape_mismatch_is_reported_before_dtype():
    message = failure(torch.zeros(2, 3, dtype=torch.float32), torch.zeros(3, 2, dtype=torch.float64))
    assert "shape" in message and "dtype" not in message


def test_dtype_mismatch_is_reported_before_values():
    message = failure(torch.ones(2, dtype=torch.float32), torch.zeros(2, dtype=torch.float64))
    assert "float32" in message and "differ" not in message


VALUE_MESSAGE = re.compile(
    r"(?P<count>\d+) of (?P<total>\d+) values differ.*max abs error (?P<error>\S+) at index "
    r"\((?P<index>[\d, ]*)\).*got (?P<got>\S+), expected (?P<expected>\S+)\).*"
    r"atol=(?P<atol>\S+) \+ rtol=(?P<rtol>\S+)", re.S)


def parse_value_failure(message: str) -> dict:
    match = VALUE_MESSAGE.search(message)
    assert match, message
    return {
        "count": int(match["count"]), "total": int(match["total"]), "error": float(match["error"]),
        "index": tuple(int(i) for i in match["index"].replace(" ", "").split(",") if i),
        "got": float(match["got"]), "expected": float(match["expected"]),
        "atol": float(match["atol"]), "rtol": float(match["rtol"]),
    }


def test_value_mismatch_reports_count_max_error_worst_index_and_tolerance():
    expected = torch.zeros(4, 3, dtype=torch.float64)
    got = expected.clone()
    got[0, 1] = 0.5
    got[2, 1] = -2.0  # the worst one
    got[3, 0] = 0.25
    got[1, 2] = 1e-9  # within atol: not counted
    parsed = parse_value_failure(failure(got, expected, name="out", tol=(1e-5, 1e-8)))
    assert parsed["count"] == 3 and parsed["total"] == 12
    assert parsed["error"] == pytest.approx(2.0)
    assert parsed["index"] == (2, 1)
    assert parsed["got"] == pytest.approx(-2.0) and parsed["expected"] == 0.0
    assert parsed["atol"] == pytest.approx(1e-8) and parsed["rtol"] == pytest.approx(1e-5)


def test_value_mismatch_of_a_1d_tensor_reports_a_one_tuple_index():
    message = failure(t([1.0, 2.0, 3.0, 4.0]), t([1.0, 2.0, 3.5, 4.0]), name="out")
    assert message.startswith("out:")
    parsed = parse_value_failure(message)
    assert (parsed["count"], parsed["total"], parsed["index"]) == (1, 4, (2,))
    assert parsed["error"] == pytest.approx(0.5)
    assert "(2,)" in message


def test_reported_max_abs_error_is_the_error_at_the_reported_index():
    # 1000 -> 1000.005 is within rtol (0.01 allowed); 0 -> 0.001 is out of atol.
    got = t([1000.005, 0.001], torch.float64)
    expected = t([1000.0, 0.0], torch.float64)
    parsed = parse_value_failure(failure(got, expected, tol=(1e-5, 1e-8)))
    assert parsed["count"] == 1 and parsed["index"] == (1,)
    assert parsed["error"] == pytest.approx(abs(parsed["got"] - parsed["expected"]), rel=1e-3)


# ---------------------------------------------------------------- tolerances

def test_pair_tolerance_atol():
    check(t([1.4], torch.float64), t([1.0], torch.float64), tol=(0, 0.5))
    failure(t([1.6], torch.float64), t([1.0], torch.float64), tol=(0, 0.5))


def test_pair_tolerance_rtol_scales_with_expected():
    check(t([10.9, -10.9], torch.float64), t([10.0, -10.0], torch.float64), tol=(0.1, 0))
    failure(t([11.5], torch.float64), t([10.0], torch.float64), tol=(0.1, 0))
    failure(t([0.05], torch.float64), t([0.0], torch.float64), tol=(0.1, 0))


def test_exact_tolerance_rejects_the_smallest_difference():
    one = t([1.0], torch.float64)
    failure(torch.nextafter(one, t([2.0], torch.float64)), one, tol=(0, 0))
    check(one.clone(), one, tol=(0, 0))


TOL_PAIRS = {"float32": (1e-4, 1e-5), "float64": (1e-7, 1e-10)}
TOL_TABLES = {"float32": {"rtol": 1e-4, "atol": 1e-5}, "float64": {"rtol": 1e-7, "atol": 1e-10}}


@pytest.mark.parametrize("tol", [TOL_PAIRS, TOL_TABLES], ids=["pairs", "tables"])
def test_tolerance_mapping_is_keyed_by_dtype_name(tol):
    # a difference of 5e-5: inside float32's 1e-5 + 1e-4 * 1, outside float64's 1e-10 + 1e-7 * 1
    check(t([1.00005], torch.float32), t([1.0], torch.float32), tol=tol)
    message = failure(t([1.00005], torch.float64), t([1.0], torch.float64), tol=tol)
    parsed = parse_value_failure(message)
    assert parsed["rtol"] == pytest.approx(1e-7) and parsed["atol"] == pytest.approx(1e-10)
    # and float32 beyond its own tolerance fails, reporting float32's numbers
    parsed = parse_value_failure(failure(t([1.001], torch.float32), t([1.0], torch.float32), tol=tol))
    assert parsed["rtol"] == pytest.approx(1e-4) and parsed["atol"] == pytest.approx(1e-5)


def test_tolerance_mapping_default_entry_covers_other_dtypes():
    tol = {"float64": (0, 0), "default": (0, 0.5)}
    check(t([1.25], torch.float16), t([1.0], torch.float16), tol=tol)
    failure(t([1.0 + 2**-40], torch.float64), t([1.0], torch.float64), tol=tol)


def test_tolerance_mapping_for_python_floats_uses_float64():
    tol = {"float32": (0.5, 0.5), "float64": (0, 1e-3)}
    check(1.0005, 1.0, tol=tol)
    message = failure(1.01, 1.0, tol=tol)
    assert "1.01" in message and "atol=0.001" in message


@pytest.mark.parametrize("dtype", [torch.int8, torch.int32, torch.int64, torch.uint8, torch.bool])
def test_integer_and_bool_tensors_are_compared_exactly_whatever_the_tolerance(dtype):
    expected = t([0, 1, 1], dtype)
    got = t([0, 1, 0], dtype)
    for tol in [(1e9, 1e9), {"default": (10.0, 10.0), "int64": (10.0, 10.0)}]:
        message = failure(got, expected, tol=tol)
        assert in_order(message, "1 of 3", "(2,)"), message


def test_integer_tensor_message_shows_the_first_difference():
    message = failure(t([[5, 6], [7, 8]], torch.int32), t([[5, 0], [0, 8]], torch.int32), name="counts")
    assert in_order(message, "counts:", "2 of 4", "(0, 1)", "got 6", "expected 0"), message


@pytest.mark.parametrize("got", [t([1.0]), t([-math.inf]), t([0.0])], ids=["finite", "-inf", "zero"])
def test_a_value_is_not_close_to_infinity(got):
    failure(got, t([math.inf]))


def test_a_python_float_is_not_close_to_infinity():
    failure(1.0, math.inf)


def test_wrong_infinity_sign_is_caught_with_exact_tolerance():
    failure(t([-math.inf]), t([math.inf]), tol=(0, 0))


# ---------------------------------------------------------------- hints and misuse

HINTED = [
    ("type", [1.0], t([1.0])),
    ("shape", torch.zeros(2), torch.zeros(3)),
    ("dtype", torch.zeros(2, dtype=torch.float64), torch.zeros(2)),
    ("nan", t([math.nan]), t([0.0])),
    ("values", t([1.0]), t([0.0])),
    ("int tensor", t([1], torch.int64), t([0], torch.int64)),
    ("tuple length", (1,), (1, 2)),
    ("tuple element", (1, 3), (1, 2)),
    ("dict key", {}, {"a": 1}),
    ("int", 2, 1),
    ("float", 2.0, 1.0),
    ("str", "a", "b"),
]


@pytest.mark.parametrize(("got", "expected"), [c[1:] for c in HINTED], ids=[c[0] for c in HINTED])
def test_hint_appears_in_the_message(got, expected):
    hint = "im2col with F.unfold, then one matmul"
    message = failure(got, expected, hint=hint)
    assert hint in message
    assert message.index(hint) > message.index("\n")  # after the problem, on a line of its own


def test_unsupported_expected_type_is_a_type_error_not_a_check_failure():
    with pytest.raises(TypeError, match="set"):
        check({1}, {1})


def test_dtypes_compare_by_value():
    check(torch.float32, torch.float32, "x.dtype")
    with pytest.raises(CheckFailure, match=r"x.dtype: is dtype torch.float64, expected dtype torch.float32"):
        check(torch.float64, torch.float32, "x.dtype")
