"""Hidden tests of lstm_gates and lstm_cell, against torch.nn.LSTMCell holding the same weights.

torch does not expose the gates, so the oracle reads each one off a torch.nn.LSTMCell whose other row
blocks are saturated (their weights zeroed, their bias at +-1000, so that sigmoid and tanh give exactly 0 or 1):
with g = 1 and c_prev = 0, torch's c is i; with i = 0 and c_prev = 1, it is f; with i = 1 and c_prev = 0, it
is g; with i = g = 1 and c_prev = 0, c = 1 and h / tanh(1) is o. This relies on torch's order i, f, g, o.
"""
import math

import pytest
import torch
from lstm_cases import (
    BIAS_ARGS,
    DTYPES,
    GATES,
    SATURATED_STEP_CASES,
    SATURATION,
    STEP_CASES,
    step_id,
    step_inputs,
)

HINT_Z = ("z = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh (transpose both weights; a None bias "
          "counts as zeros, and each bias may be None on its own)")
HINT_GATE = {
    "i": f"the input gate i = sigmoid(z[:, 0:H]), the FIRST row block: the order is i, f, g, o; {HINT_Z}",
    "f": f"the forget gate f = sigmoid(z[:, H:2H]), the SECOND row block: the order is i, f, g, o; {HINT_Z}",
    "g": f"the cell candidate g = tanh(z[:, 2H:3H]) (tanh, not sigmoid), the THIRD row block: the order is "
         f"i, f, g, o; {HINT_Z}",
    "o": f"the output gate o = sigmoid(z[:, 3H:4H]) (sigmoid, not tanh), the LAST row block: the order is "
         f"i, f, g, o; {HINT_Z}",
}
HINT_CELL = {
    "c": "c = f * c_prev + i * g: the forget gate scales the old cell state, the input gate scales g",
    "h": "h = o * tanh(c), with the NEW cell state c (tanh applied to c, then scaled by o)",
}
STEP_OUTPUTS = ("h", "c")
HINT_SATURATED = ("with pre-activations in the thousands sigmoid is exactly 0 or 1 and tanh exactly -1 or 1; a "
                  "formula that divides exp by exp (exp(z) / (1 + exp(z)), or tanh as a ratio of exps) gives "
                  "inf / inf = nan once exp overflows (z > 89 in float32): use torch.sigmoid and torch.tanh, or "
                  "1 / (1 + exp(-z))")


# ---------------------------------------------------------------- scenarios (run in the worker and here)

def gates(m, x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    if bias_ih is None and bias_hh is None:
        result = m.lstm.lstm_gates(x, h_prev, weight_ih, weight_hh)
    else:
        result = m.lstm.lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh)
    return {"result": result, "after": {"x": x, "h_prev": h_prev, "weight_ih": weight_ih, "weight_hh": weight_hh,
                                        "bias_ih": bias_ih, "bias_hh": bias_hh}}


def cell(m, x, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    if bias_ih is None and bias_hh is None:
        result = m.lstm.lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh)
    else:
        result = m.lstm.lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh)
    return {"result": result, "after": {"x": x, "h_prev": h_prev, "c_prev": c_prev, "weight_ih": weight_ih,
                                        "weight_hh": weight_hh, "bias_ih": bias_ih, "bias_hh": bias_hh}}


# ---------------------------------------------------------------- oracles (run here only)

def torch_gates(m, x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """(i, f, g, o) read off torch.nn.LSTMCell with the other gate blocks saturated (see the module docstring)."""
    hidden = h_prev.shape[1]
    zeros = torch.zeros(4 * hidden, dtype=x.dtype)

    def torch_step(saturated, c_value):
        module = torch.nn.LSTMCell(x.shape[1], hidden, bias=True, dtype=x.dtype)
        with torch.no_grad():
            module.weight_ih.copy_(weight_ih)
            module.weight_hh.copy_(weight_hh)
            module.bias_ih.copy_(zeros if bias_ih is None else bias_ih)
            module.bias_hh.copy_(zeros if bias_hh is None else bias_hh)
            for block, value in saturated.items():
                rows = slice(block * hidden, (block + 1) * hidden)
                module.weight_ih[rows] = 0.0
                module.weight_hh[rows] = 0.0
                module.bias_ih[rows] = value
                module.bias_hh[rows] = 0.0
            return module(x, (h_prev, torch.full_like(h_prev, c_value)))

    i = torch_step({2: 1000.0}, 0.0)[1]              # g = 1, c_prev = 0: c = i
    f = torch_step({0: -1000.0}, 1.0)[1]             # i = 0, c_prev = 1: c = f
    g = torch_step({0: 1000.0}, 0.0)[1]              # i = 1, c_prev = 0: c = g
    h = torch_step({0: 1000.0, 2: 1000.0}, 0.0)[0]   # i = g = 1, c_prev = 0: c = 1, h = o * tanh(1)
    return i, f, g, h / math.tanh(1.0)


def torch_cell(m, x, h_prev, c_prev, weight_ih, weight_hh, bias_ih, bias_hh):
    """(h, c) of torch.nn.LSTMCell holding the weights (a None bias beside a given one as zeros)."""
    with_bias = bias_ih is not None or bias_hh is not None
    module = torch.nn.LSTMCell(x.shape[1], h_prev.shape[1], bias=with_bias, dtype=x.dtype)
    with torch.no_grad():
        module.weight_ih.copy_(weight_ih)
        module.weight_hh.copy_(weight_hh)
        if with_bias:
            module.bias_ih.copy_(torch.zeros_like(bias_hh) if bias_ih is None else bias_ih)
            module.bias_hh.copy_(torch.zeros_like(bias_ih) if bias_hh is None else bias_hh)
        return module(x, (h_prev, c_prev))


# ---------------------------------------------------------------- tests

def _call(name, case, with_cell):
    n, i, h, bias = case
    state = "h_prev, c_prev" if with_cell else "h_prev"
    return f"{name}(x, {state}, weight_ih, weight_hh{BIAS_ARGS[bias]}) with (N, I, H) = ({n}, {i}, {h})"


def _tuple(grader, got, want, call, names, hint):
    """got as a tuple of len(names) values, or a failure that says what came back."""
    __tracebackhide__ = True
    if not isinstance(got, (tuple, list)) or len(got) != len(names):
        grader.check(got, want, call, names=names, hint=hint)
    return got


@pytest.mark.part("lstm_gates")
@pytest.mark.parametrize("gate", GATES)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", STEP_CASES, ids=step_id)
def test_gate(grader, case, dtype, gate):
    inputs = step_inputs(case, dtype, seed=STEP_CASES.index(case), with_cell=False)
    want = grader.reference(torch_gates, **inputs)
    got = grader.student(gates, **inputs)["result"]
    call = _call("lstm_gates", case, with_cell=False)
    got = _tuple(grader, got, want, call, GATES, "return the tuple (i, f, g, o), each (N, H)")
    index = GATES.index(gate)
    grader.check(got[index], want[index], f"gate {gate} of {call}", hint=HINT_GATE[gate])


@pytest.mark.part("lstm_gates")
@pytest.mark.parametrize("case", STEP_CASES[::2], ids=step_id)
def test_gates_leave_inputs_alone(grader, case):
    inputs = step_inputs(case, DTYPES[1], seed=40 + STEP_CASES.index(case), with_cell=False)
    want = grader.reference(torch_gates, **inputs)
    got = grader.student(gates, **inputs)
    call = _call("lstm_gates", case, with_cell=False)
    grader.check(got["result"], want, call, names=GATES, hint="the gates i, f, g, o in this order")
    for name, value in inputs.items():
        grader.check(got["after"][name], value, f"{name} after {call}",
                     hint="lstm_gates modified its input in place; compute new tensors instead")


@pytest.mark.part("lstm_cell")
@pytest.mark.parametrize("output", STEP_OUTPUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", STEP_CASES, ids=step_id)
def test_cell(grader, case, dtype, output):
    inputs = step_inputs(case, dtype, seed=20 + STEP_CASES.index(case))
    want = grader.reference(torch_cell, **inputs)
    got = grader.student(cell, **inputs)["result"]
    call = _call("lstm_cell", case, with_cell=True)
    got = _tuple(grader, got, want, call, STEP_OUTPUTS, "return the tuple (h, c), each (N, H)")
    index = STEP_OUTPUTS.index(output)
    grader.check(got[index], want[index], f"{output} of {call}", hint=HINT_CELL[output])


@pytest.mark.part("lstm_cell")
@pytest.mark.parametrize("case", STEP_CASES[1::2], ids=step_id)
def test_cell_leaves_inputs_alone(grader, case):
    inputs = step_inputs(case, DTYPES[1], seed=60 + STEP_CASES.index(case))
    want = grader.reference(torch_cell, **inputs)
    got = grader.student(cell, **inputs)
    call = _call("lstm_cell", case, with_cell=True)
    grader.check(got["result"], want, call, names=STEP_OUTPUTS, hint=f"{HINT_CELL['c']}; {HINT_CELL['h']}")
    for name, value in inputs.items():
        grader.check(got["after"][name], value, f"{name} after {call}",
                     hint="lstm_cell modified its input in place (c_prev *= f or c_prev += ... change the "
                          "caller's tensor); write c = f * c_prev + i * g")


def _saturated(case, dtype, seed, with_cell):
    inputs = step_inputs(case, dtype, seed=seed, with_cell=with_cell)
    return inputs | {"x": inputs["x"] * SATURATION}


@pytest.mark.part("lstm_gates")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", SATURATED_STEP_CASES, ids=step_id)
def test_gates_saturated(grader, case, dtype):
    inputs = _saturated(case, dtype, seed=80 + SATURATED_STEP_CASES.index(case), with_cell=False)
    want = grader.reference(torch_gates, **inputs)
    got = grader.student(gates, **inputs)["result"]
    call = _call("lstm_gates", case, with_cell=False) + f", x scaled by {SATURATION:g} (saturated gates)"
    grader.check(got, want, call, names=GATES, hint=HINT_SATURATED)


@pytest.mark.part("lstm_cell")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", SATURATED_STEP_CASES, ids=step_id)
def test_cell_saturated(grader, case, dtype):
    inputs = _saturated(case, dtype, seed=90 + SATURATED_STEP_CASES.index(case), with_cell=True)
    want = grader.reference(torch_cell, **inputs)
    got = grader.student(cell, **inputs)["result"]
    call = _call("lstm_cell", case, with_cell=True) + f", x scaled by {SATURATION:g} (saturated gates)"
    grader.check(got, want, call, names=STEP_OUTPUTS, hint=HINT_SATURATED)
