"""Correct: every function computes in float64 with the textbook formulas (1 / (1 + exp(-x)), 1 - 2 / (exp(2x) + 1),
which saturate without nan) and casts back to x's dtype; the derivatives by their closed forms."""
import math

import torch


def _wide(x):
    return x.to(torch.float64)


def sigmoid_forward(x):
    return (1 / (1 + torch.exp(-_wide(x)))).to(x.dtype)


def sigmoid_backward(grad_y, x):
    s = 1 / (1 + torch.exp(-_wide(x)))
    return (_wide(grad_y) * s * (1 - s)).to(x.dtype)


def _tanh64(x):
    return 1 - 2 / (torch.exp(2 * x) + 1)


def tanh_forward(x):
    return _tanh64(_wide(x)).to(x.dtype)


def tanh_backward(grad_y, x):
    t = _tanh64(_wide(x))
    return (_wide(grad_y) * (1 - t ** 2)).to(x.dtype)


def relu_forward(x):
    return torch.where(x > 0, x, 0.0).to(x.dtype)


def relu_backward(grad_y, x):
    return torch.where(x > 0, grad_y, 0.0).to(x.dtype)


def leaky_relu_forward(x, negative_slope=0.01):
    return torch.where(x > 0, _wide(x), negative_slope * _wide(x)).to(x.dtype)


def leaky_relu_backward(grad_y, x, negative_slope=0.01):
    return (_wide(grad_y) * torch.where(x > 0, 1.0, float(negative_slope)).to(torch.float64)).to(x.dtype)


def _form(approximate):
    if approximate in ("none", "tanh"):
        return approximate
    raise ValueError(f"approximate={approximate!r}: use 'none' or 'tanh'")


def gelu_forward(x, approximate="none"):
    w = _wide(x)
    if _form(approximate) == "none":
        return (w * 0.5 * (1 + torch.erf(w / math.sqrt(2)))).to(x.dtype)
    return (0.5 * w * (1 + _tanh64(math.sqrt(2 / math.pi) * (w + 0.044715 * w ** 3)))).to(x.dtype)


def gelu_backward(grad_y, x, approximate="none"):
    w, g = _wide(x), _wide(grad_y)
    if _form(approximate) == "none":
        phi = torch.exp(-w * w / 2) / math.sqrt(2 * math.pi)
        return (g * (0.5 * (1 + torch.erf(w / math.sqrt(2))) + w * phi)).to(x.dtype)
    u = math.sqrt(2 / math.pi) * (w + 0.044715 * w ** 3)
    t = _tanh64(u)
    du = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * w ** 2)
    return (g * (0.5 * (1 + t) + 0.5 * w * (1 - t ** 2) * du)).to(x.dtype)


def silu_forward(x):
    w = _wide(x)
    return (w / (1 + torch.exp(-w))).to(x.dtype)


def silu_backward(grad_y, x):
    w = _wide(x)
    s = 1 / (1 + torch.exp(-w))
    return (_wide(grad_y) * (s + w * s * (1 - s))).to(x.dtype)
