"""Public tests for batchnorm.py: run `pytest` in this folder. The hidden tests check much more.

The expected values come from the reference solution (which agrees with torch.nn.BatchNorm2d). When your
values match a known slip (unbiased variance, flipped momentum, ...), the failure names it.
"""
import json
from pathlib import Path

import pytest
import torch
from _checks import check
from batchnorm import BatchNorm2d

DATA = json.loads((Path(__file__).parent / "public_data.json").read_text())
TOL = DATA["tolerance"]
CASES = DATA["cases"]
IDS = [f"x{tuple(case['shape'])}-momentum{case['momentum']}-eps{case['eps']}".replace(" ", "") for case in CASES]


def as64(value):
    return torch.tensor(value, dtype=torch.float64)


def steps_of(case, mode):
    return [k for k, letter in enumerate(case["script"]) if letter == mode]


def replay(case, dtype=torch.float64):
    """Your BatchNorm2d on the case's steps: y, the running statistics and the gradients after each step."""
    options = {key: case[key] for key in ("eps", "momentum") if case[key] is not None}
    layer = BatchNorm2d(case["shape"][1], **options).to(dtype)
    layer.weight.detach().copy_(as64(case["weight"]))  # detach(): set the values without autograd
    layer.bias.detach().copy_(as64(case["bias"]))
    seen = {"y": [], "running_mean": [], "running_var": [], "grad_x": [], "grad_weight": [], "grad_bias": []}
    for k, letter in enumerate(case["script"]):
        layer.train(letter == "T")
        layer.weight.grad, layer.bias.grad = None, None
        inp = as64(case["x"][k]).to(dtype).requires_grad_(True)
        out = layer(inp)
        (out * as64(case["g"][k]).to(dtype)).sum().backward()
        seen["y"].append(out.detach())
        seen["running_mean"].append(layer.running_mean.detach().clone())
        seen["running_var"].append(layer.running_var.detach().clone())
        seen["grad_x"].append(inp.grad)
        seen["grad_weight"].append(layer.weight.grad)
        seen["grad_bias"].append(layer.bias.grad)
    return seen


def named_slip(got, slips, hint):
    """The hint, led by the known slip that `got` matches, if it matches one."""
    for slip, values in slips.items():
        try:
            if all(torch.allclose(g.double(), as64(v), rtol=1e-6, atol=1e-9) for g, v in zip(got, values, strict=True)):
                return f"your values are what {slip} gives. {hint}"
        except (TypeError, RuntimeError, AttributeError, ValueError):
            break
    return hint


def compare(got, case, key, steps, hint, slips=None):
    want = [as64(case[key][k]) for k in steps]
    if slips:
        hint = named_slip(got, slips, hint)
    names = tuple(f"{key} after step {k + 1} ({'train' if case['script'][k] == 'T' else 'eval'})" for k in steps)
    check(got, want, f"{key} of BatchNorm2d", tol=TOL, hint=hint, names=names)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_training_output(case):
    steps = steps_of(case, "T")
    got = [replay(case)["y"][k] for k in steps]
    compare(got, case, "y", steps, slips=case["slips"]["y (train)"],
            hint="training mode: y = weight * (x - mean) / sqrt(var + eps) + bias per channel, with the batch "
                 "mean and the BIASED variance (divide by n = N*H*W) over N, H and W")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_running_mean(case):
    steps = range(len(case["script"]))
    compare(replay(case)["running_mean"], case, "running_mean", steps, slips=case["slips"]["running_mean"],
            hint="each training step: running_mean = (1 - momentum) * running_mean + momentum * batch mean; "
                 "eval steps change nothing")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_running_var(case):
    steps = range(len(case["script"]))
    compare(replay(case)["running_var"], case, "running_var", steps, slips=case["slips"]["running_var"],
            hint="each training step: running_var = (1 - momentum) * running_var + momentum * UNBIASED batch "
                 "variance (divide by n - 1); eval steps change nothing")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_eval_output(case):
    steps = steps_of(case, "E")
    got = [replay(case)["y"][k] for k in steps]
    compare(got, case, "y", steps, slips=case["slips"]["y (eval)"],
            hint="eval mode normalises with running_mean and running_var (fix their tests first if they fail)")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_training_gradients(case):
    seen = replay(case)
    steps = steps_of(case, "T")
    for key in ("grad_x", "grad_weight", "grad_bias"):
        compare([seen[key][k] for k in steps], case, key, steps,
                hint="let autograd do it: weight and bias are Parameters, and in training mode the gradient "
                     "also flows through the batch mean and variance (do not detach them)")


def test_float32_in_float32_out():
    case = CASES[0]
    seen = replay(case, torch.float32)
    for key in ("y", "running_mean", "running_var"):
        got = seen[key]
        want = [as64(value).float() for value in case[key]]
        check(got, want, f"{key} of BatchNorm2d(...).float() on float32 inputs", tol=TOL,
              hint="keep the dtype of the input and of the module; do not create float64 (or float32) tensors "
                   "of a fixed dtype")


def test_parameters_and_buffers():
    layer = BatchNorm2d(4)
    check(sorted(name for name, _ in layer.named_parameters()), ["bias", "weight"], "named_parameters()",
          hint="weight and bias are torch.nn.Parameter objects")
    check(sorted(name for name, _ in layer.named_buffers() if name != "num_batches_tracked"),
          ["running_mean", "running_var"], "named_buffers()",
          hint="use self.register_buffer('running_mean', ...): a buffer is saved in state_dict() and follows .to()")
    for name, value in (("weight", 1.0), ("bias", 0.0), ("running_mean", 0.0), ("running_var", 1.0)):
        check(getattr(layer, name).detach(), torch.full((4,), value), f"{name} of a new BatchNorm2d(4)", tol=TOL)


def test_input_left_alone():
    case = CASES[1]
    layer = BatchNorm2d(case["shape"][1], eps=case["eps"])
    inp = as64(case["x"][0]).float()
    kept = inp.clone()
    layer(inp)
    layer.eval()
    layer(inp)
    check(inp, kept, "x after your forward in training and eval mode", tol=(0, 0),
          hint="do not modify the input in place (x -= mean changes the caller's tensor)")
