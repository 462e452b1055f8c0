"""Case tables and seeded input builders shared by the hidden attention tests (trusted side only).

Every case makes the conventions distinguishable: L != S and E != Ev wherever the contract allows, several
heads with N > 1 (so that a (N * H, L, S) mask read head-major shows), masks that forbid some keys of every
query but never all, and projection blocks of different scales (so that a q/k/v block swap shows).
Large-magnitude scores (|scores| ~ 1000) are float64 only: there two correct float32 formulas differ.
"""
from typing import NamedTuple

import torch


class Sdpa(NamedTuple):
    lead: tuple  # leading batch axes of q, k and v
    L: int
    S: int
    E: int
    Ev: int
    mask: str = ""  # "" none, "bool" (True = may attend) or "float"; mask_shape gives its shape
    mask_shape: tuple = ()  # broadcastable to (*lead, L, S)
    causal: bool = False
    scale: float | None = None
    dtype: str = "float64"
    magnitude: float = 1.0  # scales q and k: 30 gives scores of about 1000


SDPA_CASES = [
    Sdpa((), 3, 5, 4, 6),                                            # no batch axes, L < S, E != Ev
    Sdpa((2,), 4, 4, 8, 8, causal=True, dtype="float32"),           # square causal
    Sdpa((2, 3), 3, 5, 4, 2, causal=True),                          # causal with L < S: top-left aligned
    Sdpa((2,), 5, 3, 4, 6, causal=True),                            # causal with L > S
    Sdpa((2, 3), 3, 5, 4, 6, "bool", (3, 5), dtype="float32"),      # (L, S) bool, True = may attend
    Sdpa((2, 3), 4, 5, 4, 6, "bool", (2, 1, 4, 5)),                 # per batch, broadcast over heads
    Sdpa((2, 3), 3, 5, 4, 6, "float", (2, 3, 3, 5)),                # full float mask
    Sdpa((2,), 3, 5, 4, 6, "float", (5,), dtype="float32"),         # float mask over the keys only
    Sdpa((2,), 3, 5, 4, 7, scale=0.25),                             # explicit scale
    Sdpa((1,), 3, 5, 4, 6, "bool", (1, 3, 5), scale=2.0, dtype="float32"),
    Sdpa((2,), 4, 6, 8, 3, "bool", (4, 6), magnitude=30.0),         # large scores
    Sdpa((1,), 1, 4, 4, 6, magnitude=30.0),                         # one query, large scores
    Sdpa((1,), 1, 1, 4, 2, dtype="float32"),                        # one key: weight 1
]

SDPA_GRAD_CASES = [SDPA_CASES[i] for i in (0, 2, 6, 8, 10)]


class Mha(NamedTuple):
    N: int
    L: int
    S: int
    E: int
    H: int
    bias: bool = True
    self_attention: bool = False  # query, key and value the same tensor (then S = L)
    attn_mask: str = ""  # "", "bool2", "bool3", "float2", "float3", "causal"
    padding: str = ""  # "", "bool" or "float" key_padding_mask
    need_weights: bool = True
    average: bool = True
    dtype: str = "float64"
    magnitude: float = 1.0


MHA_CASES = [
    Mha(2, 3, 5, 8, 2),                                              # cross-attention, L != S
    Mha(1, 4, 4, 6, 1, self_attention=True, dtype="float32"),         # batch 1, one head
    Mha(3, 4, 5, 12, 3, attn_mask="bool2"),
    Mha(2, 3, 5, 8, 4, attn_mask="bool3"),                            # (N * H, L, S), n * H + h
    Mha(2, 3, 5, 8, 2, attn_mask="float2", dtype="float32"),
    Mha(3, 3, 4, 8, 2, attn_mask="float3"),
    Mha(3, 3, 5, 8, 2, padding="bool"),
    Mha(2, 4, 5, 8, 2, padding="float", dtype="float32"),
    Mha(2, 3, 5, 8, 2, attn_mask="bool2", padding="bool"),
    Mha(2, 3, 5, 8, 2, padding="bool", average=False),                # per-head weights
    Mha(2, 3, 5, 8, 4, attn_mask="bool3", average=False, dtype="float32"),
    Mha(2, 3, 5, 8, 2, need_weights=False, dtype="float32"),
    Mha(2, 3, 5, 8, 2, bias=False),
    Mha(2, 5, 5, 8, 2, self_attention=True, attn_mask="causal"),
    Mha(2, 3, 5, 4, 4, need_weights=False, average=False),            # D = 1
    Mha(2, 3, 5, 8, 2, attn_mask="float2", magnitude=12.0),           # large scores
]

MHA_GRAD_CASES = [MHA_CASES[i] for i in (0, 1, 3, 7, 12, 13)]


class Encoder(NamedTuple):
    N: int
    L: int
    E: int
    H: int
    F: int = 16
    dropout: float = 0.0
    activation: str = "relu"
    eps: float = 1e-5
    norm_first: bool = False
    train: bool = True
    src_mask: str = ""  # "", "causal" (with is_causal=True), "bool2", "float3"
    padding: str = ""  # "", "bool" or "float"
    dtype: str = "float64"


ENCODER_CASES = [
    Encoder(2, 5, 8, 2),
    Encoder(2, 5, 8, 2, activation="gelu", norm_first=True, dtype="float32"),
    Encoder(2, 5, 8, 2, src_mask="causal"),
    Encoder(3, 4, 8, 4, activation="gelu", norm_first=True, padding="bool"),
    Encoder(2, 4, 8, 2, src_mask="float3", dtype="float32"),
    Encoder(2, 5, 8, 2, dropout=0.3, train=False, src_mask="bool2", padding="bool"),
    Encoder(2, 5, 8, 2, dropout=0.5, activation="gelu", eps=1e-3, norm_first=True, train=False, dtype="float32"),
    Encoder(1, 1, 6, 1, F=3, eps=0.1),                                   # batch 1, length 1, one head
    Encoder(2, 4, 6, 3, F=5, padding="float", norm_first=True),
    Encoder(2, 5, 8, 2, src_mask="causal", norm_first=True, activation="gelu", dtype="float32"),
]

ENCODER_GRAD_CASES = [ENCODER_CASES[i] for i in (0, 2, 3, 4, 8)]


def case_id(case) -> str:
    return "-".join(f"{k}{v}" for k, v in case._asdict().items() if v not in ("", None, ())).replace(" ", "")


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _bool_allowed(shape, gen, L, S):
    """A random True = may attend mask; every query may attend to key 0 and to key l % S."""
    mask = torch.rand(shape, generator=gen) < 0.6
    rows = torch.arange(L)[:, None] if len(shape) >= 2 else None
    if rows is None:
        mask[int(torch.randint(0, S, (1,), generator=gen))] = True
    else:
        keep = torch.zeros(L, S, dtype=torch.bool)
        keep[torch.arange(L), torch.arange(L) % S] = True
        keep[:, 0] = True
        mask = mask | keep.expand_as(mask)
    return mask


def sdpa_inputs(case: Sdpa, seed: int, grad: bool = False) -> dict:
    gen, dtype = _gen(seed), getattr(torch, case.dtype)

    def draw(*shape, scale=1.0):
        return (scale * torch.randn(*shape, generator=gen, dtype=torch.float64)).to(dtype)

    q = draw(*case.lead, case.L, case.E, scale=case.magnitude)
    k = draw(*case.lead, case.S, case.E, scale=case.magnitude)
    v = draw(*case.lead, case.S, case.Ev)
    mask = None
    if case.mask == "bool":
        mask = _bool_allowed(case.mask_shape, gen, case.L, case.S)
    elif case.mask == "float":
        mask = draw(*case.mask_shape, scale=2.0)
    grad_out = draw(*case.lead, case.L, case.Ev) if grad else None
    return {"q": q, "k": k, "v": v, "attn_mask": mask, "is_causal": case.causal, "scale": case.scale,
            "grad_out": grad_out}


def sdpa_call(case: Sdpa) -> str:
    args = [f"q {(*case.lead, case.L, case.E)}", f"k {(*case.lead, case.S, case.E)}",
            f"v {(*case.lead, case.S, case.Ev)}"]
    if case.mask:
        args.append(f"attn_mask={case.mask} {case.mask_shape}")
    if case.causal:
        args.append("is_causal=True")
    if case.scale is not None:
        args.append(f"scale={case.scale}")
    big = ", |scores| ~ 1000" if case.magnitude > 1 else ""
    return f"scaled_dot_product_attention({', '.join(args)}) in {case.dtype}{big}"


def mha_state(E: int, bias: bool, dtype, gen) -> dict:
    """torch.nn.MultiheadAttention's parameters, with the q, k and v blocks at different scales."""
    scale = torch.tensor([0.6, 1.4, 1.0], dtype=torch.float64).repeat_interleave(E)[:, None]
    state = {"in_proj_weight": torch.randn(3 * E, E, generator=gen, dtype=torch.float64) * scale / E ** 0.5,
             "out_proj.weight": torch.randn(E, E, generator=gen, dtype=torch.float64) / E ** 0.5}
    if bias:
        state["in_proj_bias"] = 0.5 * torch.randn(3 * E, generator=gen, dtype=torch.float64)
        state["out_proj.bias"] = 0.5 * torch.randn(E, generator=gen, dtype=torch.float64)
    return {name: value.to(dtype) for name, value in state.items()}


def mha_inputs(case: Mha, seed: int, grad: bool = False) -> dict:
    gen, dtype = _gen(seed), getattr(torch, case.dtype)
    S = case.L if case.self_attention else case.S

    def draw(*shape, scale=1.0):
        return (scale * torch.randn(*shape, generator=gen, dtype=torch.float64)).to(dtype)

    state = mha_state(case.E, case.bias, dtype, gen)
    state["in_proj_weight"][:2 * case.E] *= case.magnitude
    query = draw(case.N, case.L, case.E)
    key, value = (query, query) if case.self_attention else (draw(case.N, S, case.E), draw(case.N, S, case.E))
    # the defaults (need_weights=True, average_attn_weights=True) are left out, as mha_call describes the call
    options = {name: False for name, value in (("need_weights", case.need_weights),
                                               ("average_attn_weights", case.average)) if not value}
    if case.attn_mask == "causal":
        options["attn_mask"] = torch.ones(case.L, S, dtype=torch.bool).triu(1)
    elif case.attn_mask:
        shape = (case.L, S) if case.attn_mask.endswith("2") else (case.N * case.H, case.L, S)
        allowed = _bool_allowed(shape, gen, case.L, S)
        options["attn_mask"] = ~allowed if case.attn_mask.startswith("bool") else \
            torch.where(allowed, draw(*shape), torch.full(shape, -1e4, dtype=torch.float64).to(dtype))
    if case.padding:
        ignored = torch.rand(case.N, S, generator=gen) < 0.4
        ignored[:, 0] = False  # key 0 is never padded, nor masked by the causal or random masks
        options["key_padding_mask"] = ignored if case.padding == "bool" else \
            torch.where(ignored, -1e4, draw(case.N, S)).to(dtype)
    grad_out = draw(case.N, case.L, case.E) if grad else None
    return {"state": state, "E": case.E, "H": case.H, "bias": case.bias, "query": query, "key": key,
            "value": value, "self_attention": case.self_attention, "options": options, "grad_out": grad_out}


def mha_call(case: Mha) -> str:
    S = case.L if case.self_attention else case.S
    options = [f"{name}={value}" for name, value in (("attn_mask", case.attn_mask), ("key_padding_mask", case.padding))
               if value]
    options += [] if case.need_weights else ["need_weights=False"]
    options += [] if case.average else ["average_attn_weights=False"]
    what = "x, x, x" if case.self_attention else \
        f"query {(case.N, case.L, case.E)}, key and value {(case.N, S, case.E)}"
    return (f"MultiHeadAttention({case.E}, {case.H}{'' if case.bias else ', bias=False'})({what}"
            f"{', ' if options else ''}{', '.join(options)}) in {case.dtype}")


def encoder_state(case: Encoder, dtype, gen) -> dict:
    E, F = case.E, case.F

    def draw(*shape, scale):
        return scale * torch.randn(*shape, generator=gen, dtype=torch.float64)

    state = {f"self_attn.{name}": value for name, value in mha_state(E, True, torch.float64, gen).items()}
    state.update({"linear1.weight": draw(F, E, scale=E ** -0.5), "linear1.bias": draw(F, scale=0.5),
                  "linear2.weight": draw(E, F, scale=F ** -0.5), "linear2.bias": draw(E, scale=0.5),
                  "norm1.weight": 1 + draw(E, scale=0.3), "norm1.bias": draw(E, scale=0.3),
                  "norm2.weight": 1 + draw(E, scale=0.3), "norm2.bias": draw(E, scale=0.3)})
    return {name: value.to(dtype) for name, value in state.items()}


def encoder_inputs(case: Encoder, seed: int, grad: bool = False) -> dict:
    gen, dtype = _gen(seed), getattr(torch, case.dtype)
    L = case.L
    state = encoder_state(case, dtype, gen)
    src = (2 * torch.randn(case.N, L, case.E, generator=gen, dtype=torch.float64) + 0.5).to(dtype)
    options = {}
    if case.src_mask == "causal":
        options = {"src_mask": torch.ones(L, L, dtype=torch.bool).triu(1), "is_causal": True}
    elif case.src_mask == "bool2":
        options = {"src_mask": ~_bool_allowed((L, L), gen, L, L)}
    elif case.src_mask == "float3":
        options = {"src_mask": torch.randn(case.N * case.H, L, L, generator=gen, dtype=torch.float64).to(dtype)}
    if case.padding:
        ignored = torch.rand(case.N, L, generator=gen) < 0.4
        ignored[:, 0] = False
        options["src_key_padding_mask"] = ignored if case.padding == "bool" else \
            torch.where(ignored, -1e4, torch.randn(case.N, L, generator=gen, dtype=torch.float64)).to(dtype)
    config = {"d_model": case.E, "nhead": case.H, "dim_feedforward": case.F, "dropout": case.dropout,
              "activation": case.activation, "layer_norm_eps": case.eps, "norm_first": case.norm_first}
    grad_out = torch.randn(case.N, L, case.E, generator=gen, dtype=torch.float64).to(dtype) if grad else None
    return {"state": state, "config": config, "src": src, "options": options, "train": case.train,
            "grad_out": grad_out}


def encoder_call(case: Encoder) -> str:
    options = [f"src_mask={case.src_mask}"] if case.src_mask else []
    options += [f"src_key_padding_mask={case.padding}"] if case.padding else []
    return (f"TransformerEncoderLayer({case.E}, {case.H}, dim_feedforward={case.F}, dropout={case.dropout}, "
            f"activation={case.activation!r}, layer_norm_eps={case.eps}, norm_first={case.norm_first}) in "
            f"{'training' if case.train else 'eval'} mode on src {(case.N, case.L, case.E)}"
            f"{', ' if options else ''}{', '.join(options)} in {case.dtype}")
