"""activations.py of the mlp diagnosis set: one stable formula a function, exp(-|x|) picked by the sign of x,
masks turned into 0/1 factors in x's dtype instead of torch.where."""
import math

import torch

_FORMS = ("none", "tanh")
_ROOT_HALF = 1.0 / math.sqrt(2.0)
_ROOT_2_PI = math.sqrt(2.0 / math.pi)
_CUBIC = 0.044715
_SLOPE = 0.01


def _indicator(condition, like):
    return condition.to(like.dtype)  # 1 where the condition holds, else 0


def _logistic(t):
    e = torch.exp(-torch.abs(t))  # in (0, 1]
    upper = 1.0 / (1.0 + e)  # sigmoid(|t|)
    return torch.where(t < 0, e * upper, upper)


def _logistic_slope(t):
    e = torch.exp(-torch.abs(t))
    return e / torch.square(1.0 + e)  # s * (1 - s), even in t


def sigmoid_forward(x):
    e = torch.exp(-torch.abs(x))
    upper = 1.0 / (1.0 + e)
    return torch.where(x < 0, e * upper, upper)


def sigmoid_backward(grad_y, x):
    e = torch.exp(-torch.abs(x))
    upper = 1.0 / (1.0 + e)
    return grad_y * (e * upper * upper)


def tanh_forward(x):
    t = torch.expm1(-2.0 * torch.abs(x))  # in (-1, 0]
    return torch.copysign(-t / (t + 2.0), x)


def tanh_backward(grad_y, x):
    return grad_y * ((1.0 + x) * (1.0 - x))


def relu_forward(x):
    return x * _indicator(x > 0, x)


def relu_backward(grad_y, x):
    return grad_y * _indicator(x > 0, grad_y)


def leaky_relu_forward(x, negative_slope=_SLOPE):
    up = _indicator(x > 0, x)
    return x * (up + negative_slope * (1.0 - up))


def leaky_relu_backward(grad_y, x, negative_slope=_SLOPE):
    up = _indicator(x > 0, grad_y)
    return grad_y * (up + negative_slope * (1.0 - up))


def _tanh_form(approximate):
    if approximate not in _FORMS:
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
    return approximate == "tanh"


def gelu_forward(x, approximate="none"):
    if _tanh_form(approximate):
        u = _ROOT_2_PI * (x + _CUBIC * x * x * x)
        return x * _logistic(2.0 * u)  # 0.5 * (1 + tanh(u)) = sigmoid(2u)
    return x * (0.5 * torch.erfc(-_ROOT_HALF * x))


def gelu_backward(grad_y, x, approximate="none"):
    if _tanh_form(approximate):
        u = _ROOT_2_PI * (x + _CUBIC * x * x * x)
        du = _ROOT_2_PI * (1.0 + 3.0 * _CUBIC * x * x)
        return grad_y * (_logistic(2.0 * u) + 2.0 * x * _logistic_slope(2.0 * u) * du)
    cdf = 0.5 * torch.erfc(-_ROOT_HALF * x)
    density = torch.exp(-0.5 * x * x) * (1.0 / math.sqrt(2.0 * math.pi))
    return grad_y * (cdf + x * density)


def silu_forward(x):
    return x * sigmoid_forward(x)


def silu_backward(grad_y, x):
    s = sigmoid_forward(x)
    return grad_y * s * (1.0 + x * (1.0 - s))
