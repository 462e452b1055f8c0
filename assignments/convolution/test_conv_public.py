"""Public tests for conv.py: run `pytest` in this folder. The hidden tests check much more."""
import json
from pathlib import Path

import pytest
import torch
from _checks import check
from conv import conv2d_backward, conv2d_forward

DATA = json.loads((Path(__file__).parent / "public_data.json").read_text())
TOL = DATA["tolerance"]
CASES = DATA["conv"]
IDS = [f"x{tuple(torch.tensor(c['x']).shape)}-stride{c['stride']}-pad{c['padding']}" for c in CASES]


def tensors(case, dtype=torch.float64):
    as_tensor = lambda key: None if case[key] is None else torch.tensor(case[key], dtype=dtype)  # noqa: E731
    return {key: as_tensor(key) for key in ("x", "weight", "bias", "out", "grad_out", "grad_x", "grad_weight",
                                             "grad_bias")}


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_forward(case):
    t = tensors(case)
    out = conv2d_forward(t["x"], t["weight"], t["bias"], case["stride"], case["padding"])
    check(out, t["out"], f"conv2d_forward(x, weight, bias, stride={case['stride']}, padding={case['padding']})",
          tol=TOL, hint="H_out = (H + 2*PH - KH) // SH + 1; the kernel is not flipped (cross-correlation)")


def test_forward_keeps_float32():
    t = tensors(CASES[1], torch.float32)
    out = conv2d_forward(t["x"], t["weight"], t["bias"], CASES[1]["stride"], CASES[1]["padding"])
    check(out, t["out"], "conv2d_forward on float32 inputs", tol=TOL, hint="do not convert to float64")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_backward(case):
    t = tensors(case)
    grads = conv2d_backward(t["grad_out"], t["x"], t["weight"], case["stride"], case["padding"])
    check(grads, (t["grad_x"], t["grad_weight"], t["grad_bias"]), "conv2d_backward", tol=TOL,
          names=("grad_x", "grad_weight", "grad_bias"),
          hint="grad_bias sums grad_out over N, H_out, W_out; grad_weight sums over the batch")


def test_inputs_not_modified():
    t = tensors(CASES[2])
    before = {k: v.clone() for k, v in t.items() if v is not None}
    conv2d_forward(t["x"], t["weight"], t["bias"], CASES[2]["stride"], CASES[2]["padding"])
    conv2d_backward(t["grad_out"], t["x"], t["weight"], CASES[2]["stride"], CASES[2]["padding"])
    for key, value in before.items():
        check(t[key], value, f"{key} after your calls", tol=(0, 0), hint="do not modify inputs in place")
