"""Mistake: relu_backward passes the gradient where x >= 0: 1 at x == 0 instead of torch's 0."""
import math

import torch


def sigmoid_forward(x):
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_backward(grad_y, x):
    e = torch.exp(-x.abs())
    return grad_y * (e / ((1.0 + e) * (1.0 + e)))


def tanh_forward(x):
    e = torch.exp(-2.0 * x.abs())
    magnitude = -torch.expm1(-2.0 * x.abs()) / (1.0 + e)
    return torch.where(x < 0, -magnitude, magnitude)


def tanh_backward(grad_y, x):
    e = torch.exp(-2.0 * x.abs())
    return grad_y * (4.0 * e / ((1.0 + e) * (1.0 + e)))


def relu_forward(x):
    return torch.where(x > 0, x, torch.zeros_like(x))


def relu_backward(grad_y, x):
    return torch.where(x >= 0, grad_y, torch.zeros_like(grad_y))


def leaky_relu_forward(x, negative_slope=0.01):
    return torch.where(x > 0, x, negative_slope * x)


def leaky_relu_backward(grad_y, x, negative_slope=0.01):
    return torch.where(x > 0, grad_y, negative_slope * grad_y)


def _check(approximate):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


def gelu_forward(x, approximate="none"):
    _check(approximate)
    if approximate == "none":
        return 0.5 * x * torch.erfc(-x / math.sqrt(2.0))
    return 0.5 * x * (1.0 + tanh_forward(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def gelu_backward(grad_y, x, approximate="none"):
    _check(approximate)
    if approximate == "none":
        cdf = 0.5 * torch.erfc(-x / math.sqrt(2.0))
        pdf = torch.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
        return grad_y * (cdf + x * pdf)
    u = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
    t = tanh_forward(u)
    du_dx = math.sqrt(2.0 / math.pi) * (1.0 + 3.0 * 0.044715 * x * x)
    return grad_y * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du_dx)


def silu_forward(x):
    return x * sigmoid_forward(x)


def silu_backward(grad_y, x):
    s = sigmoid_forward(x)
    return grad_y * (s + x * s * (1.0 - s))
