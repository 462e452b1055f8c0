"""Public tests for activations.py: run `pytest` in this folder. The hidden tests check much more.

Every forward is compared with torch's own function and every backward with torch's autograd of it, on values
from -1000 to 1000 (zeros included), in float64 and float32.
"""
import json
from pathlib import Path

import activations
import pytest
import torch
from _checks import check

TOL = json.loads((Path(__file__).parent / "public_data.json").read_text())["tolerance"]
VALUES = [-1000.0, -100.0, -30.0, -4.0, -1.5, -0.3, 0.0, 0.3, 1.5, 4.0, 30.0, 100.0, 1000.0]
TORCH = {  # name -> (torch's function, the keyword arguments both sides get)
    "sigmoid": (torch.sigmoid, {}),
    "tanh": (torch.tanh, {}),
    "relu": (torch.relu, {}),
    "leaky_relu": (torch.nn.functional.leaky_relu, {"negative_slope": 0.2}),
    "gelu": (torch.nn.functional.gelu, {"approximate": "none"}),
    "gelu_tanh": (torch.nn.functional.gelu, {"approximate": "tanh"}),
    "silu": (torch.nn.functional.silu, {}),
}
HINT = {
    "sigmoid": "1 / (1 + exp(-x)), and exp(x) / (1 + exp(x)) for x < 0: exp(1000) is inf, and inf / inf is nan",
    "tanh": "build it from exp(-2|x|), which is at most 1: tanh(x) = sign(x) * (1 - exp(-2|x|)) / (1 + exp(-2|x|))",
    "relu": "max(x, 0); its derivative is 0 at x == 0 exactly (x > 0, not x >= 0)",
    "leaky_relu": "x where x > 0, negative_slope * x elsewhere; the derivative at x == 0 is negative_slope",
    "gelu": "0.5 * x * (1 + erf(x / sqrt(2))); its derivative has two terms, Phi(x) + x * phi(x)",
    "gelu_tanh": "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))), with your tanh_forward",
    "silu": "x * sigmoid(x); its derivative is s + x * s * (1 - s) (product rule)",
}
BACKWARD = "the backward returns grad_y * f'(x), the derivative taken at the input x"


def inputs(dtype):
    x = torch.tensor(VALUES, dtype=dtype)
    grad_y = torch.linspace(0.5, 1.5, len(VALUES), dtype=dtype)
    return x, grad_y


def function(name, which):
    return getattr(activations, f"{name.removesuffix('_tanh')}_{which}")


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("name", list(TORCH))
def test_forward_against_torch(name, dtype):
    torch_function, kwargs = TORCH[name]
    x, _ = inputs(dtype)
    got = function(name, "forward")(x, **kwargs)
    check(got, torch_function(x, **kwargs), f"{name.removesuffix('_tanh')}_forward(x, {kwargs}) for x from -1000 "
          f"to 1000, {dtype}", tol=TOL, hint=HINT[name])


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("name", list(TORCH))
def test_backward_against_autograd(name, dtype):
    torch_function, kwargs = TORCH[name]
    x, grad_y = inputs(dtype)
    got = function(name, "backward")(grad_y, x, **kwargs)
    x_leaf = x.detach().clone().requires_grad_()
    torch_function(x_leaf, **kwargs).backward(grad_y)
    check(got, x_leaf.grad, f"{name.removesuffix('_tanh')}_backward(grad_y, x, {kwargs}) for x from -1000 to 1000, "
          f"{dtype}", tol=TOL, hint=f"{HINT[name]}; {BACKWARD}")


def test_gelu_rejects_an_unknown_form():
    x, grad_y = inputs(torch.float64)
    for call in (lambda: activations.gelu_forward(x, approximate="exact"),
                 lambda: activations.gelu_backward(grad_y, x, approximate="exact")):
        with pytest.raises(ValueError):
            call()


def test_inputs_are_left_alone():
    x, grad_y = inputs(torch.float64)
    before = x.clone(), grad_y.clone()
    for name, (_, kwargs) in TORCH.items():
        function(name, "forward")(x, **kwargs)
        function(name, "backward")(grad_y, x, **kwargs)
        check((x, grad_y), before, f"x and grad_y after {name.removesuffix('_tanh')}", tol=(0, 0),
              names=("x", "grad_y"), hint="do not modify inputs in place (x.clamp_(...), x[x < 0] = 0)")
