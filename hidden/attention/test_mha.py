"""Hidden tests of MultiHeadAttention (attention.py), against torch.nn.MultiheadAttention(batch_first=True)
with the same weights (run here, the oracle) and against the reference: outputs, weights, gradients into
the inputs and every parameter, and the module's parameters and state_dict both ways."""
import pytest
import torch
from attn_cases import MHA_CASES, MHA_GRAD_CASES, case_id, mha_call, mha_inputs, mha_state

ORACLES = ["torch", "reference"]
HINT_MHA = ("project with in_proj_weight's row blocks [W_q; W_k; W_v] (and in_proj_bias), split the E features "
            "into H heads of D = E // H (head h: features h*D:(h+1)*D), attend per head with scale 1 / sqrt(D), "
            "concatenate the heads and apply out_proj; masks here say True = NOT allowed (the opposite of "
            "scaled_dot_product_attention's), a (N * H, L, S) attn_mask is indexed n * H + h, key_padding_mask "
            "(N, S) hides keys")
HINT_WEIGHTS = ("weights are softmax over the keys per head, (N, H, L, S); returned averaged over the heads, "
                "(N, L, S), unless average_attn_weights=False; None when need_weights=False")
HINT_STATE = ("in_proj_weight (3E, E) and in_proj_bias (3E,) are nn.Parameters of the module itself (in_proj_bias "
              "registered as None without bias), out_proj is an nn.Linear(E, E, bias=bias): then state_dict() has "
              "torch.nn.MultiheadAttention's keys")


def mha(m, impl, state, E, H, bias, query, key, value, self_attention, options, grad_out):
    """Build the module, load the state, run it once; the gradients of sum(out * grad_out) when given."""
    if impl == "torch":
        layer = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=True)
    else:
        layer = m.attention.MultiHeadAttention(E, H, bias=bias)
    layer = layer.to(query.dtype)
    layer.load_state_dict(state)
    kept = [t.clone() for t in (query, key, value)]
    if grad_out is not None:
        query = query.clone().requires_grad_(True)
        key, value = (query, query) if self_attention else (key.clone().requires_grad_(True),
                                                            value.clone().requires_grad_(True))
    elif self_attention:
        key = value = query
    out, weights = layer(query, key, value, **options)
    result = {"out": out.detach() if isinstance(out, torch.Tensor) else out,
              "weights": weights.detach() if isinstance(weights, torch.Tensor) else weights,
              "unchanged": [bool(torch.equal(a, b)) for a, b in zip(kept, (query, key, value), strict=True)]}
    if grad_out is not None:
        names = sorted(name for name, _ in layer.named_parameters())
        parameters = dict(layer.named_parameters())
        leaves = [query] if self_attention else [query, key, value]
        grads = torch.autograd.grad((out * grad_out).sum(), leaves + [parameters[n] for n in names],
                                    allow_unused=True)
        result["input_grads"] = list(grads[:len(leaves)])
        result["parameter_grads"] = dict(zip(names, grads[len(leaves):], strict=True))
    return result


def anatomy(m, E, H, bias):
    layer = m.attention.MultiHeadAttention(E, H, bias=bias)
    return {"parameters": {name: list(p.shape) for name, p in layer.named_parameters()},
            "state_dict": sorted(layer.state_dict()),
            "in_proj_bias is None": layer.in_proj_bias is None,
            "out_proj is an nn.Linear": isinstance(layer.out_proj, torch.nn.Linear),
            "out_proj has a bias": layer.out_proj.bias is not None}


def state_into_torch(m, E, H, bias, state, query):
    """Load a state into the student's module, then its state_dict into torch's (strict); run torch's."""
    layer = m.attention.MultiHeadAttention(E, H, bias=bias).double()
    layer.load_state_dict(state)
    twin = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=True).double()
    twin.load_state_dict(layer.state_dict())
    return twin(query, query, query)[0].detach()


def indivisible(m, E, H):
    try:
        m.attention.MultiHeadAttention(E, H)
    except ValueError:
        return "ValueError"
    except Exception as error:  # noqa: BLE001 - any other exception is the wrong answer, named
        return type(error).__name__
    return "no exception"


def _run(grader, case, oracle, grad=False):
    table = MHA_GRAD_CASES if grad else MHA_CASES
    kwargs = mha_inputs(case, (4000 if grad else 3000) + table.index(case), grad=grad)
    got = grader.student(mha, impl="student", **kwargs)
    want = grader.reference(mha, impl="torch" if oracle == "torch" else "student", **kwargs)
    return got, want


# --- mha_forward -------------------------------------------------------------------------------------

@pytest.mark.part("mha_forward")
@pytest.mark.parametrize("oracle", ORACLES)
@pytest.mark.parametrize("case", MHA_CASES, ids=case_id)
def test_out(grader, case, oracle):
    got, want = _run(grader, case, oracle)
    grader.check(got["out"], want["out"], f"out of {mha_call(case)}", hint=HINT_MHA)


@pytest.mark.part("mha_forward")
@pytest.mark.parametrize("case", MHA_CASES, ids=case_id)
def test_weights(grader, case):
    got, want = _run(grader, case, "torch")
    grader.check(got["weights"], want["weights"], f"weights of {mha_call(case)}", hint=HINT_WEIGHTS)


@pytest.mark.part("mha_forward")
@pytest.mark.parametrize("case", MHA_CASES[:2] + MHA_CASES[6:8], ids=case_id)
def test_inputs_left_alone(grader, case):
    got, want = _run(grader, case, "reference")
    grader.check(got["unchanged"], want["unchanged"], f"whether query, key and value are unchanged after "
                 f"{mha_call(case)}", hint="do not modify the inputs in place")


# --- attention_gradients -----------------------------------------------------------------------------

@pytest.mark.part("attention_gradients")
@pytest.mark.parametrize("case", MHA_GRAD_CASES, ids=case_id)
def test_gradients(grader, case):
    got, want = _run(grader, case, "torch", grad=True)
    grader.check(got["input_grads"], want["input_grads"], f"input gradients of sum(out * g) through {mha_call(case)}",
                 hint="let autograd do it: no .detach() or .data on the way from the inputs to out")
    grader.check(got["parameter_grads"], want["parameter_grads"], f"parameter gradients through {mha_call(case)}",
                 hint="every parameter must reach out through differentiable operations: in_proj_weight, "
                      "in_proj_bias and out_proj as nn.Parameters the forward uses")


# --- mha_module --------------------------------------------------------------------------------------

ANATOMY = [(8, 2, True), (6, 1, False), (12, 12, True)]


def torch_anatomy(E, H, bias):
    layer = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=True)
    return {"parameters": {name: list(p.shape) for name, p in layer.named_parameters()},
            "state_dict": sorted(layer.state_dict()), "in_proj_bias is None": layer.in_proj_bias is None,
            "out_proj is an nn.Linear": isinstance(layer.out_proj, torch.nn.Linear),
            "out_proj has a bias": layer.out_proj.bias is not None}


@pytest.mark.part("mha_module")
@pytest.mark.parametrize("E, H, bias", ANATOMY)
def test_parameters(grader, E, H, bias):
    got = grader.student(anatomy, E=E, H=H, bias=bias)
    grader.check(got, torch_anatomy(E, H, bias), f"MultiHeadAttention({E}, {H}, bias={bias})", hint=HINT_STATE)


@pytest.mark.part("mha_module")
@pytest.mark.parametrize("E, H, bias", ANATOMY[:2])
def test_state_dict_into_torch(grader, E, H, bias):
    gen = torch.Generator().manual_seed(5000 + E)
    state = mha_state(E, bias, torch.float64, gen)
    query = torch.randn(2, 3, E, generator=gen, dtype=torch.float64)
    got = grader.student(state_into_torch, E=E, H=H, bias=bias, state=state, query=query)
    twin = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=True).double()
    twin.load_state_dict(state)
    grader.check(got, twin(query, query, query)[0].detach(), f"torch.nn.MultiheadAttention({E}, {H}) after "
                 f"load_state_dict(your_module.state_dict())", hint=HINT_STATE)


@pytest.mark.part("mha_module")
@pytest.mark.parametrize("E, H", [(6, 4), (8, 3), (4, 8)])
def test_indivisible_heads(grader, E, H):
    got, want = grader.run(indivisible, E=E, H=H)
    grader.check(got, want, f"MultiHeadAttention({E}, {H})",
                 hint="num_heads must divide embed_dim: raise ValueError otherwise (torch asserts; this contract "
                      "says ValueError)")
