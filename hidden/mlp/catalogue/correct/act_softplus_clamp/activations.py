"""Correct: sigmoid = exp(-softplus(-x)) with a stable softplus, tanh = 2 * sigmoid(2x) - 1, relu and leaky_relu by
clamp, gelu with erf, the backward passes from the forward values."""
import math

import torch


def _softplus(x):
    return torch.log1p(torch.exp(-x.abs())) + x.clamp(min=0)


def sigmoid_forward(x):
    return torch.exp(-_softplus(-x))


def sigmoid_backward(grad_y, x):
    s = sigmoid_forward(x)
    return grad_y * s * (1 - s)


def tanh_forward(x):
    return 2 * sigmoid_forward(2 * x) - 1


def tanh_backward(grad_y, x):
    t = tanh_forward(x)
    return grad_y * (1 - t * t)


def relu_forward(x):
    return x.clamp(min=0)


def relu_backward(grad_y, x):
    return grad_y * (x > 0).to(grad_y.dtype)


def leaky_relu_forward(x, negative_slope=0.01):
    return x.clamp(min=0) + negative_slope * x.clamp(max=0)


def leaky_relu_backward(grad_y, x, negative_slope=0.01):
    positive = (x > 0).to(grad_y.dtype)
    return grad_y * (positive + negative_slope * (1 - positive))


def gelu_forward(x, approximate="none"):
    if approximate == "none":
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    if approximate == "tanh":
        return 0.5 * x * (1 + tanh_forward(math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3))))
    raise ValueError(f"unknown approximate {approximate!r}")


def gelu_backward(grad_y, x, approximate="none"):
    if approximate == "none":
        return grad_y * (0.5 * (1 + torch.erf(x / math.sqrt(2))) + x * torch.exp(-x * x / 2) / math.sqrt(2 * math.pi))
    if approximate == "tanh":
        k = math.sqrt(2 / math.pi)
        t = tanh_forward(k * (x + 0.044715 * x.pow(3)))
        return grad_y * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x))
    raise ValueError(f"unknown approximate {approximate!r}")


def silu_forward(x):
    return x * sigmoid_forward(x)


def silu_backward(grad_y, x):
    s = sigmoid_forward(x)
    return grad_y * (s * (1 + x * (1 - s)))
