"""Correct: the losses in float64 and cast back, the one-hot by comparison with arange, dropout by a float64
uniform draw, torch.normal for Kaiming, and a two_layer_net that calls linear_backward only where needed."""
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

ACTS = {"relu": (relu_forward, relu_backward), "sigmoid": (sigmoid_forward, sigmoid_backward),
        "tanh": (tanh_forward, tanh_backward), "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
        "gelu": (gelu_forward, gelu_backward), "silu": (silu_forward, silu_backward)}


def linear_forward(x, weight, bias=None):
    out = (weight @ x.T).T
    if bias is not None:
        out = out + bias.unsqueeze(0)
    return out


def linear_backward(grad_out, x, weight):
    return (weight.T @ grad_out.T).T, (x.T @ grad_out).T, grad_out.sum(0)


def softmax(logits, dim=-1):
    moved = logits.movedim(dim, -1)
    e = torch.exp(moved - moved.max(-1, keepdim=True).values)
    return (e / e.sum(-1, keepdim=True)).movedim(-1, dim)


def _one_hot(target, classes, dtype):
    return (target[:, None] == torch.arange(classes)[None, :]).to(dtype)


def cross_entropy_forward(logits, target):
    wide = logits.double()
    top = wide.max(1, keepdim=True).values
    lse = (top + torch.log(torch.exp(wide - top).sum(1, keepdim=True))).squeeze(1)
    picked = (wide * _one_hot(target, logits.shape[1], torch.float64)).sum(1)
    return (lse - picked).mean().to(logits.dtype)


def cross_entropy_backward(logits, target):
    probs = softmax(logits.double(), dim=1)
    grad = (probs - _one_hot(target, logits.shape[1], torch.float64)) / logits.shape[0]
    return grad.to(logits.dtype)


def dropout_forward(x, p=0.5, training=True):
    if not 0 <= p <= 1:
        raise ValueError(f"dropout p={p} is not a probability")
    if training and p > 0:
        keep = (torch.rand(x.shape, dtype=torch.float64) >= p).to(x.dtype)
        mask = torch.zeros_like(x) if p == 1 else keep * (1 / (1 - p))
    else:
        mask = torch.ones_like(x)
    return mask * x, mask


def dropout_backward(grad_out, mask):
    return grad_out * mask


def xavier_uniform(fan_out, fan_in, gain=1.0):
    a = gain * math.sqrt(6.0 / (fan_out + fan_in))
    return torch.rand(fan_out, fan_in) * (2 * a) - a


def kaiming_normal(fan_out, fan_in, nonlinearity="relu"):
    gain = {"linear": 1, "sigmoid": 1, "tanh": 5 / 3, "relu": math.sqrt(2),
            "leaky_relu": math.sqrt(2 / (1 + 0.01 ** 2))}.get(nonlinearity)
    if gain is None:
        raise ValueError(f"kaiming_normal does not know {nonlinearity!r}")
    return torch.normal(0.0, gain / math.sqrt(fan_in), size=(fan_out, fan_in))


def two_layer_net(x, target, w1, b1, w2, b2, activation="relu"):
    act, act_grad = ACTS[activation]
    z = linear_forward(x, w1, b1)
    h = act(z)
    logits = linear_forward(h, w2, b2)
    grad_logits = cross_entropy_backward(logits, target)
    grad_h, grad_w2, grad_b2 = linear_backward(grad_logits, h, w2)
    grad_z = act_grad(grad_h, z)
    grad_w1 = grad_z.T @ x
    return cross_entropy_forward(logits, target), {"w1": grad_w1, "b1": grad_z.sum(0), "w2": grad_w2, "b2": grad_b2}
