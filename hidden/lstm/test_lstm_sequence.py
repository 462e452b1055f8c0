"""Hidden tests of lstm_forward: values against a one-layer torch.nn.LSTM holding the same weights, and the
gradients of L = sum(output * grad_output) + sum(h_n * grad_h_n) + sum(c_n * grad_c_n) through the student's
lstm_forward (autograd) against torch.nn.LSTM's, for x, h0, c0 and every weight and bias given.
"""
import pytest
import torch
from lstm_cases import (
    BIAS_ARGS,
    DTYPES,
    SATURATED_SEQ_CASES,
    SATURATION,
    SEQ_CASES,
    grad_names,
    seq_id,
    seq_inputs,
)

SEQ_OUTPUTS = ("output", "h_n", "c_n")
HINT_STRUCTURE = "return (output, (h_n, c_n)): output (T, N, H), h_n and c_n (N, H)"
HINT_SEQ = {
    "output": "x is sequence-first, (T, N, I): loop over t in range(T) with x[t] of shape (N, I), start from (h0, c0), "
              "carry (h, c) from each step into the next, and stack the h of every step along a NEW first axis: "
              "output[t] is the h after x[t], shape (T, N, H)",
    "h_n": "h_n is the hidden state after the LAST step (equal to output[-1]), shape (N, H); start from h0 and "
           "carry the state from step to step",
    "c_n": "c_n is the cell state after the LAST step, shape (N, H); start from c0 and carry c from step to step",
}
HINT_GRAD = ("gradients come from autograd through your lstm_forward: keep every step differentiable (no .detach(), "
             "no torch.no_grad(), no .item()/.numpy(), no in-place changes of x, h0, c0 or the weights) and carry "
             "the state itself, not a detached copy, into the next step")


# ---------------------------------------------------------------- scenarios (run in the worker and here)

def sequence(m, x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh):
    if bias_ih is None and bias_hh is None:
        result = m.lstm.lstm_forward(x, h0, c0, weight_ih, weight_hh)
    else:
        result = m.lstm.lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh)
    return {"result": result, "after": {"x": x, "h0": h0, "c0": c0, "weight_ih": weight_ih, "weight_hh": weight_hh,
                                        "bias_ih": bias_ih, "bias_hh": bias_hh}}


def sequence_gradients(m, x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output, grad_h_n, grad_c_n):
    leaves = {"x": x, "h0": h0, "c0": c0, "weight_ih": weight_ih, "weight_hh": weight_hh, "bias_ih": bias_ih,
              "bias_hh": bias_hh}
    leaves = {k: None if v is None else v.clone().requires_grad_(True) for k, v in leaves.items()}
    if bias_ih is None and bias_hh is None:
        result = m.lstm.lstm_forward(*list(leaves.values())[:5])
    else:
        result = m.lstm.lstm_forward(*leaves.values())
    if not (isinstance(result, (tuple, list)) and len(result) == 2 and isinstance(result[1], (tuple, list))
            and len(result[1]) == 2):
        return {"problem": "lstm_forward should return (output, (h_n, c_n))"}
    terms = {"output": (result[0], grad_output), "h_n": (result[1][0], grad_h_n), "c_n": (result[1][1], grad_c_n)}
    for name, (value, weight) in terms.items():
        if not isinstance(value, torch.Tensor) or value.shape != weight.shape or value.dtype != weight.dtype:
            return {"problem": f"{name} of lstm_forward should be a {weight.dtype} tensor of shape "
                               f"{tuple(weight.shape)}, got {type(value).__name__} "
                               f"{tuple(getattr(value, 'shape', ()))}"}
    objective = sum((value * weight).sum() for value, weight in terms.values())
    if not objective.requires_grad:
        return {"problem": "none of output, h_n, c_n requires grad: nothing of lstm_forward is differentiable"}
    objective.backward()
    return {"problem": None, "grads": {k: None if v is None else v.grad for k, v in leaves.items()}}


# ---------------------------------------------------------------- oracle (run here only)

def torch_sequence(m, x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh, grad_output=None, grad_h_n=None,
                   grad_c_n=None):
    """A one-layer torch.nn.LSTM holding the weights: output, h_n, c_n and, given the loss weights, the gradients."""
    with_bias = bias_ih is not None or bias_hh is not None
    module = torch.nn.LSTM(x.shape[2], h0.shape[1], num_layers=1, bias=with_bias, dtype=x.dtype)
    with torch.no_grad():
        module.weight_ih_l0.copy_(weight_ih)
        module.weight_hh_l0.copy_(weight_hh)
        if with_bias:
            module.bias_ih_l0.copy_(torch.zeros_like(bias_hh) if bias_ih is None else bias_ih)
            module.bias_hh_l0.copy_(torch.zeros_like(bias_ih) if bias_hh is None else bias_hh)
    x, h0, c0 = (t.clone().requires_grad_(True) for t in (x, h0, c0))
    output, (h_n, c_n) = module(x, (h0.unsqueeze(0), c0.unsqueeze(0)))
    h_n, c_n = h_n.squeeze(0), c_n.squeeze(0)
    values = {"output": output.detach(), "h_n": h_n.detach(), "c_n": c_n.detach()}
    if grad_output is None:
        return values
    ((output * grad_output).sum() + (h_n * grad_h_n).sum() + (c_n * grad_c_n).sum()).backward()
    grads = {"x": x.grad, "h0": h0.grad, "c0": c0.grad, "weight_ih": module.weight_ih_l0.grad,
             "weight_hh": module.weight_hh_l0.grad}
    if bias_ih is not None:
        grads["bias_ih"] = module.bias_ih_l0.grad
    if bias_hh is not None:
        grads["bias_hh"] = module.bias_hh_l0.grad
    return values | {"grads": grads}


# ---------------------------------------------------------------- tests

def _call(case):
    t, n, i, h, bias = case
    return f"lstm_forward(x, h0, c0, weight_ih, weight_hh{BIAS_ARGS[bias]}) with (T, N, I, H) = ({t}, {n}, {i}, {h})"


def _unpack(grader, result, call):
    """{'output', 'h_n', 'c_n'} from what lstm_forward returned, or a failure that says what it returned."""
    __tracebackhide__ = True
    if not (isinstance(result, (tuple, list)) and len(result) == 2 and isinstance(result[1], (tuple, list))
            and len(result[1]) == 2):
        kind = f"a {type(result).__name__}" + (f" of {len(result)} values" if isinstance(result, (tuple, list))
                                               else "")
        grader.fail(f"{call} returned {kind}, expected (output, (h_n, c_n))", hint=HINT_STRUCTURE)
    return {"output": result[0], "h_n": result[1][0], "c_n": result[1][1]}


@pytest.mark.part("lstm_forward")
@pytest.mark.parametrize("output", SEQ_OUTPUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", SEQ_CASES, ids=seq_id)
def test_forward(grader, case, dtype, output):
    inputs = seq_inputs(case, dtype, seed=100 + SEQ_CASES.index(case))
    want = grader.reference(torch_sequence, **inputs)
    call = _call(case)
    got = _unpack(grader, grader.student(sequence, **inputs)["result"], call)
    grader.check(got[output], want[output], f"{output} of {call}", hint=HINT_SEQ[output])


@pytest.mark.part("lstm_forward")
@pytest.mark.parametrize("case", SEQ_CASES[::2], ids=seq_id)
def test_forward_leaves_inputs_alone(grader, case):
    inputs = seq_inputs(case, DTYPES[1], seed=140 + SEQ_CASES.index(case))
    want = grader.reference(torch_sequence, **inputs)
    call = _call(case)
    got = grader.student(sequence, **inputs)
    values = _unpack(grader, got["result"], call)
    for output in SEQ_OUTPUTS:
        grader.check(values[output], want[output], f"{output} of {call}", hint=HINT_SEQ[output])
    for name, value in inputs.items():
        grader.check(got["after"][name], value, f"{name} after {call}",
                     hint="lstm_forward modified its input in place (e.g. h0.copy_(h) or c_prev *= f); keep the "
                          "state in new tensors")


@pytest.mark.part("lstm_forward")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", SATURATED_SEQ_CASES, ids=seq_id)
def test_forward_saturated(grader, case, dtype):
    inputs = seq_inputs(case, dtype, seed=160 + SATURATED_SEQ_CASES.index(case))
    inputs["x"] = inputs["x"] * SATURATION
    want = grader.reference(torch_sequence, **inputs)
    call = _call(case) + f", x scaled by {SATURATION:g} (saturated gates)"
    got = _unpack(grader, grader.student(sequence, **inputs)["result"], call)
    grader.check([got[name] for name in SEQ_OUTPUTS], [want[name] for name in SEQ_OUTPUTS], call, names=SEQ_OUTPUTS,
                 hint="with pre-activations in the thousands every gate is exactly 0 or 1: sigmoid as exp(z) / "
                      "(1 + exp(z)) or tanh as a ratio of exps gives inf / inf = nan; use torch.sigmoid and "
                      "torch.tanh, or 1 / (1 + exp(-z))")


@pytest.mark.part("gradients")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize(("case", "leaf"), [(c, g) for c in SEQ_CASES for g in grad_names(c)],
                         ids=lambda v: seq_id(v) if isinstance(v, tuple) else v)
def test_gradient(grader, case, leaf, dtype):
    inputs = seq_inputs(case, dtype, seed=200 + SEQ_CASES.index(case), with_upstream=True)
    want = grader.reference(torch_sequence, **inputs)["grads"]
    got = grader.student(sequence_gradients, **inputs)
    call = _call(case)
    if got["problem"]:
        grader.fail(f"{call}: {got['problem']}", hint=HINT_STRUCTURE)
    grader.check(got["grads"][leaf], want[leaf],
                 f"dL/d{leaf} through {call}, L = sum(output * grad_output) + sum(h_n * grad_h_n) + "
                 f"sum(c_n * grad_c_n)", hint=HINT_GRAD)
