"""Correct: addmm for the layer, log-softmax then pick by indexing, the one-hot by index_put, dropout by
torch.rand_like < 1 - p with torch.where, Box-Muller normals from torch.rand, the activations looked up by name."""
import math

import torch
from activations import (
    gelu_backward,
    gelu_forward,
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    silu_backward,
    silu_forward,
    tanh_backward,
    tanh_forward,
)

PAIRS = {"relu": (relu_forward, relu_backward), "sigmoid": (sigmoid_forward, sigmoid_backward),
         "tanh": (tanh_forward, tanh_backward), "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
         "gelu": (gelu_forward, gelu_backward), "silu": (silu_forward, silu_backward)}


def linear_forward(x, weight, bias=None):
    if bias is None:
        return torch.matmul(x, weight.t())
    return torch.addmm(bias, x, weight.t())


def linear_backward(grad_out, x, weight):
    grad_bias = torch.zeros(weight.shape[0], dtype=grad_out.dtype)
    for n in range(grad_out.shape[0]):
        grad_bias = grad_bias + grad_out[n]
    return torch.matmul(grad_out, weight), torch.matmul(grad_out.t(), x), grad_bias


def _log_softmax(logits, dim):
    shifted = logits - torch.amax(logits, dim=dim, keepdim=True)
    return shifted - torch.log(torch.sum(torch.exp(shifted), dim=dim, keepdim=True))


def softmax(logits, dim=-1):
    return torch.exp(_log_softmax(logits, dim))


def cross_entropy_forward(logits, target):
    rows = torch.arange(logits.shape[0])
    return -torch.mean(_log_softmax(logits, 1)[rows, target])


def cross_entropy_backward(logits, target):
    rows = torch.arange(logits.shape[0])
    grad = softmax(logits, 1)
    grad = grad.index_put((rows, target), grad[rows, target] - 1)
    return grad / logits.shape[0]


def dropout_forward(x, p=0.5, training=True):
    if not (0 <= p <= 1):
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training:
        return x, torch.ones_like(x)
    keep = torch.rand_like(x) < 1 - p
    scale = 0.0 if p == 1 else 1 / (1 - p)
    mask = torch.where(keep, torch.full_like(x, scale), torch.zeros_like(x))
    return torch.where(keep, x * scale, torch.zeros_like(x)), mask


def dropout_backward(grad_out, mask):
    return torch.mul(grad_out, mask)


def xavier_uniform(fan_out, fan_in, gain=1.0):
    bound = gain * (6 / (fan_in + fan_out)) ** 0.5
    return bound * (torch.rand(fan_out, fan_in) * 2 - 1)


def kaiming_normal(fan_out, fan_in, nonlinearity="relu"):
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5 / 3, "relu": 2 ** 0.5, "leaky_relu": (2 / 1.0001) ** 0.5}
    if nonlinearity not in gains:
        raise ValueError(f"unsupported nonlinearity {nonlinearity}")
    u1 = 1 - torch.rand(fan_out, fan_in, dtype=torch.float64)  # in (0, 1]: log is finite
    u2 = torch.rand(fan_out, fan_in, dtype=torch.float64)
    normal = torch.sqrt(-2 * torch.log(u1)) * torch.cos(2 * math.pi * u2)
    return (normal * gains[nonlinearity] / fan_in ** 0.5).to(torch.get_default_dtype())


def two_layer_net(x, target, w1, b1, w2, b2, activation="relu"):
    forward, backward = PAIRS[activation]
    z = linear_forward(x, w1, b1)
    h = forward(z)
    logits = linear_forward(h, w2, b2)
    grad_logits = cross_entropy_backward(logits, target)
    grads = {"b2": grad_logits.sum(0), "w2": grad_logits.t() @ h}
    grad_z = backward(grad_logits @ w2, z)
    grads["w1"], grads["b1"] = grad_z.t() @ x, grad_z.sum(0)
    return cross_entropy_forward(logits, target), grads
