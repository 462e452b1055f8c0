"""Hidden tests of conv.py: forward against the reference, backward against autograd of the reference."""
import pytest
import torch
from cases import CONV_CASES, DTYPES, case_id, conv_inputs

HINT_FORWARD = ("out[n, o, i, j] = bias[o] + sum weight[o, c, a, b] * x_pad[n, c, i*SH + a, j*SW + b]; "
                "check the stride and padding of each axis, and do not flip the kernel")
GRADS = ("grad_x", "grad_weight", "grad_bias")
HINT_BACKWARD = {
    "grad_x": "dL/dx spreads each grad_out value back over the input patch it came from, then crops the padding",
    "grad_weight": "dL/dweight[o, c, a, b] sums grad_out[n, o, i, j] * x_pad[n, c, i*SH + a, j*SW + b] over n, i, j",
    "grad_bias": "dL/dbias[o] sums grad_out over N, H_out and W_out",
}


def forward(m, x, weight, bias, stride, padding, grad_out):
    out = m.conv.conv2d_forward(x, weight, bias, stride, padding)
    return {"out": out, "x": x, "weight": weight, "bias": bias}


def backward(m, x, weight, bias, stride, padding, grad_out):
    grads = m.conv.conv2d_backward(grad_out, x, weight, stride, padding)
    return {"grads": grads, "x": x, "weight": weight, "grad_out": grad_out}


def backward_by_autograd(m, x, weight, bias, stride, padding, grad_out):
    x = x.clone().requires_grad_(True)
    weight = weight.clone().requires_grad_(True)
    bias = (bias if bias is not None else torch.zeros(weight.shape[0], dtype=x.dtype)).clone().requires_grad_(True)
    m.conv.conv2d_forward(x, weight, bias, stride, padding).backward(grad_out)
    return {"grads": (x.grad, weight.grad, bias.grad)}


def defaults(m, x, weight):
    return m.conv.conv2d_forward(x, weight)


def backward_defaults(m, x, weight, grad_out):
    return m.conv.conv2d_backward(grad_out, x, weight)


@pytest.mark.part("conv2d_forward")
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", CONV_CASES, ids=case_id)
def test_forward(grader, case, dtype):
    inputs = conv_inputs(case, dtype, seed=CONV_CASES.index(case))
    got, want = grader.run(forward, **inputs)
    grader.check(got["out"], want["out"], f"conv2d_forward(x, weight, bias, stride={case[2]}, padding={case[3]})",
                 hint=HINT_FORWARD)


@pytest.mark.part("conv2d_forward")
def test_forward_default_arguments(grader):
    inputs = conv_inputs(CONV_CASES[2], torch.float64, seed=7)
    got, want = grader.run(defaults, x=inputs["x"], weight=inputs["weight"])
    grader.check(got, want, "conv2d_forward(x, weight)", hint="bias=None, stride=1 and padding=0 by default")


@pytest.mark.part("conv2d_forward")
@pytest.mark.parametrize("case", CONV_CASES[3:6], ids=case_id)
def test_forward_leaves_inputs_alone(grader, case):
    inputs = conv_inputs(case, torch.float64, seed=11)
    got, want = grader.run(forward, **inputs)
    grader.check(got["out"], want["out"], "conv2d_forward(x, weight, bias, ...)", hint=HINT_FORWARD)
    for name in ("x", "weight", "bias"):
        grader.check(got[name], inputs[name], f"{name} after conv2d_forward",
                     hint="conv2d_forward modified its input in place; work on a copy")


@pytest.mark.part("conv2d_backward")
@pytest.mark.parametrize("grad", GRADS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("case", CONV_CASES, ids=case_id)
def test_backward(grader, case, dtype, grad):
    inputs = conv_inputs(case, dtype, seed=100 + CONV_CASES.index(case))
    got = grader.student(backward, **inputs)["grads"]
    want = grader.reference(backward_by_autograd, **inputs)["grads"]
    call = f"conv2d_backward(grad_out, x, weight, stride={case[2]}, padding={case[3]})"
    if not isinstance(got, (tuple, list)) or len(got) != len(GRADS):
        grader.check(got, want, call, names=GRADS)
    index = GRADS.index(grad)
    grader.check(got[index], want[index], f"{grad} of {call}", hint=HINT_BACKWARD[grad])


@pytest.mark.part("conv2d_backward")
def test_backward_default_arguments(grader):
    inputs = conv_inputs(CONV_CASES[2][:2] + (1, 0, True), torch.float64, seed=17)
    got = grader.student(backward_defaults, x=inputs["x"], weight=inputs["weight"], grad_out=inputs["grad_out"])
    want = grader.reference(backward_by_autograd, **inputs)["grads"]
    grader.check(got, want, "conv2d_backward(grad_out, x, weight)", names=GRADS,
                 hint="stride=1 and padding=0 by default")


@pytest.mark.part("conv2d_backward")
@pytest.mark.parametrize("case", CONV_CASES[3:6], ids=case_id)
def test_backward_leaves_inputs_alone(grader, case):
    inputs = conv_inputs(case, torch.float64, seed=13)
    got = grader.student(backward, **inputs)
    want = grader.reference(backward_by_autograd, **inputs)["grads"]
    grader.check(got["grads"], want, "conv2d_backward(grad_out, x, weight, ...)", names=GRADS)
    for name in ("grad_out", "x", "weight"):
        grader.check(got[name], inputs[name], f"{name} after conv2d_backward",
                     hint="conv2d_backward modified its input in place; work on a copy")
