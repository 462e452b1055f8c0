"""Hidden tests of scaled_dot_product_attention and sinusoidal_positional_encoding (attention.py).

out is compared with torch.nn.functional.scaled_dot_product_attention (run here, the oracle) and with the
reference; the weights, which torch does not return, with the reference.
"""
import math

import pytest
import torch
from attn_cases import SDPA_CASES, SDPA_GRAD_CASES, case_id, sdpa_call, sdpa_inputs

HINT_SDPA = ("scores = q @ k^T * scale (scale = 1 / sqrt(E), E the last axis of q, unless given); a bool attn_mask "
             "says True = MAY attend (False: -inf), a float one is added; is_causal lets query l see keys s <= l "
             "(top-left aligned); weights = softmax over the keys (last axis), computed stably (torch.softmax "
             "subtracts the row maximum); out = weights @ v")


def sdpa(m, impl, q, k, v, attn_mask, is_causal, scale, grad_out):
    """out and weights (None for torch), the inputs after the call, and the gradients of sum(out * grad_out)."""
    kwargs = {}
    if attn_mask is not None:
        kwargs["attn_mask"] = attn_mask
    if is_causal:
        kwargs["is_causal"] = True
    if scale is not None:
        kwargs["scale"] = scale
    kept = [q.clone(), k.clone(), v.clone()]
    if grad_out is not None:
        q, k, v = (t.clone().requires_grad_(True) for t in (q, k, v))
    if impl == "torch":
        out, weights = torch.nn.functional.scaled_dot_product_attention(q, k, v, **kwargs), None
    else:
        out, weights = m.attention.scaled_dot_product_attention(q, k, v, **kwargs)
    result = {"out": out.detach() if isinstance(out, torch.Tensor) else out,
              "weights": weights.detach() if isinstance(weights, torch.Tensor) else weights,
              "unchanged": [bool(torch.equal(a, b)) for a, b in zip(kept, (q, k, v), strict=True)]}
    if grad_out is not None:
        grads = torch.autograd.grad((out * grad_out).sum(), (q, k, v), allow_unused=True)
        result["grads"] = list(grads)
    return result


def both_masks(m, L, S):
    """What scaled_dot_product_attention does when given attn_mask and is_causal=True together."""
    q, k, v = torch.randn(L, 4), torch.randn(S, 4), torch.randn(S, 3)
    try:
        m.attention.scaled_dot_product_attention(q, k, v, attn_mask=torch.ones(L, S, dtype=torch.bool), is_causal=True)
    except ValueError:
        return "ValueError"
    except Exception as error:  # noqa: BLE001 - any other exception is the wrong answer, named
        return type(error).__name__
    return "no exception"


def encoding(m, max_len, d_model):
    return m.attention.sinusoidal_positional_encoding(max_len, d_model)


def encoding_error(m, max_len, d_model):
    try:
        m.attention.sinusoidal_positional_encoding(max_len, d_model)
    except ValueError:
        return "ValueError"
    except Exception as error:  # noqa: BLE001
        return type(error).__name__
    return "no exception"


def _seed(case, table=SDPA_CASES):
    return 1000 + table.index(case)


# --- sdpa ------------------------------------------------------------------------------------------

@pytest.mark.part("sdpa")
@pytest.mark.parametrize("case", SDPA_CASES, ids=case_id)
def test_out_against_torch(grader, case):
    kwargs = sdpa_inputs(case, _seed(case))
    got = grader.student(sdpa, impl="student", **kwargs)
    want = grader.reference(sdpa, impl="torch", **kwargs)
    grader.check(got["out"], want["out"], f"out of {sdpa_call(case)}", hint=HINT_SDPA)


@pytest.mark.part("sdpa")
@pytest.mark.parametrize("case", SDPA_CASES, ids=case_id)
def test_weights(grader, case):
    got, want = grader.run(sdpa, impl="student", **sdpa_inputs(case, _seed(case)))
    grader.check(got["weights"], want["weights"], f"weights of {sdpa_call(case)}", hint=HINT_SDPA)


@pytest.mark.part("sdpa")
@pytest.mark.parametrize("case", SDPA_CASES[4:8], ids=case_id)
def test_inputs_left_alone(grader, case):
    got, want = grader.run(sdpa, impl="student", **sdpa_inputs(case, _seed(case)))
    grader.check(got["unchanged"], want["unchanged"], f"whether q, k and v are unchanged after {sdpa_call(case)}",
                 hint="do not modify q, k, v (or the mask) in place; compute on new tensors")


@pytest.mark.part("sdpa")
@pytest.mark.parametrize("L, S", [(3, 3), (2, 5)])
def test_mask_and_causal_together(grader, L, S):
    got, want = grader.run(both_masks, L=L, S=S)
    grader.check(got, want, f"scaled_dot_product_attention(q {(L, 4)}, k {(S, 4)}, v, attn_mask=..., is_causal=True)",
                 hint="this contract raises ValueError when attn_mask and is_causal=True are given together")


# --- attention_gradients -----------------------------------------------------------------------------

@pytest.mark.part("attention_gradients")
@pytest.mark.parametrize("case", SDPA_GRAD_CASES, ids=case_id)
def test_gradients_against_torch(grader, case):
    kwargs = sdpa_inputs(case, 2000 + SDPA_GRAD_CASES.index(case), grad=True)
    got = grader.student(sdpa, impl="student", **kwargs)
    want = grader.reference(sdpa, impl="torch", **kwargs)
    grader.check(got["grads"], want["grads"], f"gradients of sum(out * g) through {sdpa_call(case)}",
                 hint="build out from q, k and v with differentiable torch operations (no .detach(), no .data, "
                      "no in-place writes into tensors that need grad)", names=("grad_q", "grad_k", "grad_v"))


# --- positional_encoding -----------------------------------------------------------------------------

PE_SHAPES = [(1, 2), (6, 4), (50, 16), (64, 6), (7, 32)]


@pytest.mark.part("positional_encoding")
@pytest.mark.parametrize("max_len, d_model", PE_SHAPES)
def test_positional_encoding(grader, max_len, d_model):
    got = grader.student(encoding, max_len=max_len, d_model=d_model)
    p = torch.arange(max_len, dtype=torch.float64)[:, None]
    i = torch.arange(d_model, dtype=torch.float64)[None, :]
    angle = p / 10000 ** ((i - i % 2) / d_model)  # column 2i and 2i + 1 share the frequency
    want = torch.where(i % 2 == 0, angle.sin(), angle.cos()).float()
    grader.check(got, want, f"sinusoidal_positional_encoding({max_len}, {d_model})",
                 hint="pe[p, 2i] = sin(p / 10000^(2i / d_model)), pe[p, 2i + 1] = cos(the same), interleaved "
                      "columns, float32")


@pytest.mark.part("positional_encoding")
@pytest.mark.parametrize("max_len, d_model", [(4, 3), (1, 1)])
def test_positional_encoding_odd(grader, max_len, d_model):
    got = grader.student(encoding_error, max_len=max_len, d_model=d_model)
    grader.check(got, "ValueError", f"sinusoidal_positional_encoding({max_len}, {d_model})",
                 hint=f"an odd d_model has no cos partner for its last sine column: raise ValueError "
                      f"(d_model = {d_model}, {math.floor(d_model / 2)} pairs)")
