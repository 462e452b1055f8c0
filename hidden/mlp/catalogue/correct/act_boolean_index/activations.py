"""Correct: every function fills a new tensor by boolean indexing, one formula for each sign of x (the one that
cannot overflow there); tanh from sigmoid's two branches with 2x."""
import math

import torch


def _sigmoid(x):
    out = torch.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + torch.exp(-x[pos]))
    ex = torch.exp(x[~pos])
    out[~pos] = ex / (1 + ex)
    return out


def sigmoid_forward(x):
    return _sigmoid(x)


def sigmoid_backward(grad_y, x):
    s = _sigmoid(x)
    return grad_y * (s - s * s)


def tanh_forward(x):
    out = torch.empty_like(x)
    pos = x >= 0
    e = torch.exp(-2 * x[pos])
    out[pos] = (1 - e) / (1 + e)
    e = torch.exp(2 * x[~pos])
    out[~pos] = (e - 1) / (e + 1)
    return out


def tanh_backward(grad_y, x):
    t = tanh_forward(x)
    return grad_y - grad_y * t * t


def relu_forward(x):
    out = torch.zeros_like(x)
    out[x > 0] = x[x > 0]
    return out


def relu_backward(grad_y, x):
    out = torch.zeros_like(grad_y)
    out[x > 0] = grad_y[x > 0]
    return out


def leaky_relu_forward(x, negative_slope=0.01):
    out = x * negative_slope
    out[x > 0] = x[x > 0]
    return out


def leaky_relu_backward(grad_y, x, negative_slope=0.01):
    out = grad_y * negative_slope
    out[x > 0] = grad_y[x > 0]
    return out


FORMS = {"none", "tanh"}


def gelu_forward(x, approximate="none"):
    if approximate not in FORMS:
        raise ValueError("approximate must be 'none' or 'tanh'")
    if approximate == "tanh":
        return x * _sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x))  # 0.5 (1 + tanh u) = sigmoid(2u)
    return x * 0.5 * torch.erfc(-x * math.sqrt(0.5))


def gelu_backward(grad_y, x, approximate="none"):
    if approximate not in FORMS:
        raise ValueError("approximate must be 'none' or 'tanh'")
    if approximate == "tanh":
        k = 2 * math.sqrt(2 / math.pi)
        s = _sigmoid(k * (x + 0.044715 * x * x * x))
        return grad_y * (s + x * s * (1 - s) * k * (1 + 3 * 0.044715 * x * x))
    return grad_y * (0.5 * torch.erfc(-x * math.sqrt(0.5)) + x * torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))


def silu_forward(x):
    return x * _sigmoid(x)


def silu_backward(grad_y, x):
    s = _sigmoid(x)
    return grad_y * s + grad_y * x * s * (1 - s)
