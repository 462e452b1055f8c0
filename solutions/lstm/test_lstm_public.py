"""Public tests for lstm.py: run `pytest` in this folder. The hidden tests check much more.

The expected values of one seeded sequence are in public_data.json; the gate-order tests need no data.
"""
import json
import traceback
from pathlib import Path

import pytest
import torch
from _checks import CheckFailure, check
from lstm import lstm_cell, lstm_forward, lstm_gates

DATA = json.loads((Path(__file__).parent / "public_data.json").read_text())
TOL = DATA["tolerance"]
SEQ = DATA["sequence"]
ORDER = ("i", "f", "g", "o")
WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
LEAVES = ("x", "h0", "c0", *WEIGHTS)
# Gate-order probe: all weights 0, so each gate's pre-activation is its block of bias_ih, one value per block.
PROBE_Z = {"i": 0.5, "f": -1.0, "g": -1.5, "o": 2.0}
ROWS = {"i": "0:H", "f": "H:2H", "g": "2H:3H", "o": "3H:4H"}
ACTIVATION = {"i": torch.sigmoid, "f": torch.sigmoid, "g": torch.tanh, "o": torch.sigmoid}
HINT_SEQUENCE_FIRST = ("x is sequence-first, (T, N, I) = (4, 3, 5) here: step t reads x[t], of shape (N, I); "
                       "output is (T, N, H), output[t] the h after step t; carry (h, c) from step to step")


def given(key, dtype=torch.float64):
    return torch.tensor(SEQ["inputs"][key], dtype=dtype)


def expected(key, dtype=torch.float64):
    return torch.tensor(SEQ["expected"][key], dtype=dtype)


def run_forward(*args):
    """lstm_forward(*args); a RuntimeError (a shape mismatch, most often) becomes a failure naming the layout."""
    try:
        return lstm_forward(*args)
    except NotImplementedError:
        raise
    except RuntimeError as error:
        frame = traceback.extract_tb(error.__traceback__)[-1]
        raise CheckFailure(f"lstm_forward raised RuntimeError: {error} ({Path(frame.filename).name}, line "
                           f"{frame.lineno}, in {frame.name})\nHint: {HINT_SEQUENCE_FIRST}") from None


def probe_gates():
    n, features, hidden = 2, 3, 2
    bias = torch.tensor([PROBE_Z[name] for name in ORDER], dtype=torch.float64).repeat_interleave(hidden)
    return lstm_gates(torch.ones(n, features, dtype=torch.float64), torch.full((n, hidden), 0.5, dtype=torch.float64),
                      torch.zeros(4 * hidden, features, dtype=torch.float64),
                      torch.zeros(4 * hidden, hidden, dtype=torch.float64), bias, torch.zeros_like(bias))


def looks_like(value):
    """Which block and activation a wrong gate came from, in words ('' when none fits)."""
    if not isinstance(value, torch.Tensor) or value.numel() == 0:
        return ""
    for block, z in PROBE_Z.items():
        for act in (torch.sigmoid, torch.tanh):
            if torch.allclose(value.double(), act(torch.tensor(z, dtype=torch.float64)).expand_as(value)):
                return f"; yours is {act.__name__} of the {block} block (row block {ORDER.index(block) + 1} of 4)"
    return ""


@pytest.mark.parametrize("gate", ORDER)
def test_gate_order_is_i_f_g_o(gate):
    gates = probe_gates()
    want = tuple(ACTIVATION[name](torch.full((2, 2), PROBE_Z[name], dtype=torch.float64)) for name in ORDER)
    if not isinstance(gates, (tuple, list)) or len(gates) != 4:
        check(gates, want, "lstm_gates(...)", tol=TOL, names=ORDER, hint="return the tuple (i, f, g, o)")
    index = ORDER.index(gate)
    hint = (f"{gate} = {ACTIVATION[gate].__name__}(z[:, {ROWS[gate]}]): the row blocks of the weights and "
            f"biases are the gates in the order i, f, g, o; g uses tanh, i, f and o sigmoid{looks_like(gates[index])}")
    check(gates[index], want[index], f"gate {gate} (with the weights 0, z = bias_ih)", tol=TOL, hint=hint)


def test_gates_use_both_weights_and_both_biases():
    args = [given("x")[0], given("h0")] + [given(k) for k in WEIGHTS]
    check(lstm_gates(*args), tuple(torch.tensor(g, dtype=torch.float64) for g in SEQ["expected"]["gates"]),
          "lstm_gates(x[0], h0, weight_ih, weight_hh, bias_ih, bias_hh)", tol=TOL, names=ORDER,
          hint="z = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh, then split z into 4 blocks of H")


def test_cell_step():
    h, c = lstm_cell(given("x")[0], given("h0"), given("c0"), *(given(k) for k in WEIGHTS))
    check(c, expected("c1"), "c of lstm_cell", tol=TOL,
          hint="c = f * c_prev + i * g: f scales the previous cell state, i scales the candidate g")
    check(h, expected("h1"), "h of lstm_cell", tol=TOL, hint="h = o * tanh(c), with the new c")


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
def test_forward_is_sequence_first(dtype):
    output, (h_n, c_n) = run_forward(*(given(k, dtype) for k in LEAVES))
    check(output, expected("output", dtype), "output of lstm_forward", tol=TOL, hint=HINT_SEQUENCE_FIRST)
    check(h_n, expected("h_n", dtype), "h_n of lstm_forward", tol=TOL,
          hint="h_n is the hidden state after the LAST step, the same as output[-1]")
    check(c_n, expected("c_n", dtype), "c_n of lstm_forward", tol=TOL, hint="c_n is the cell state after the LAST step")


def test_gradients_reach_every_input_and_weight():
    leaves = {k: given(k).requires_grad_(True) for k in LEAVES}
    output, (h_n, c_n) = run_forward(*leaves.values())
    check(output.requires_grad, True, "output.requires_grad when x and the weights require grad",
          hint="do not detach anything, and do not go through .item(), .numpy() or torch.no_grad()")
    upstream = {k: given(k) for k in ("grad_output", "grad_h_n", "grad_c_n")}
    total = (output * upstream["grad_output"]).sum() + (h_n * upstream["grad_h_n"]).sum()
    (total + (c_n * upstream["grad_c_n"]).sum()).backward()
    for name, leaf in leaves.items():
        check(leaf.grad, torch.tensor(SEQ["expected"]["grads"][name], dtype=torch.float64), f"dL/d{name}", tol=TOL,
              hint="autograd computes it for you: carry the state (h, c) itself into the next step, not a copy "
                   "made with .detach() or torch.no_grad()")


def test_inputs_not_modified():
    inputs = [given(k) for k in LEAVES]
    copies = [t.clone() for t in inputs]
    run_forward(*inputs)
    lstm_cell(inputs[0][0], *inputs[1:])
    for name, now, before in zip(LEAVES, inputs, copies, strict=True):
        check(now, before, f"{name} after lstm_forward and lstm_cell", tol=(0, 0),
              hint="do not modify inputs in place (no h0.copy_(...), c_prev *= f, x[t] += ...)")
