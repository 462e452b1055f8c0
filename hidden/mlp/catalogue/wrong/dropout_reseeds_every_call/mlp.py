"""Mistake: calls torch.manual_seed(42) inside dropout_forward: every call drops the same elements."""
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

ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "gelu": (gelu_forward, gelu_backward),
    "silu": (silu_forward, silu_backward),
}
GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0),
         "leaky_relu": math.sqrt(2.0 / (1.0 + 0.01 ** 2))}


def linear_forward(x, weight, bias=None):
    out = x @ weight.T
    if bias is not None:
        out = out + bias
    return out


def linear_backward(grad_out, x, weight):
    return grad_out @ weight, grad_out.T @ x, grad_out.sum(dim=0)


def softmax(logits, dim=-1):
    e = torch.exp(logits - logits.amax(dim=dim, keepdim=True))
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy_forward(logits, target):
    top = logits.amax(dim=1, keepdim=True)
    log_sum_exp = top.squeeze(1) + torch.log(torch.exp(logits - top).sum(dim=1))
    picked = logits.gather(1, target[:, None]).squeeze(1)
    return (log_sum_exp - picked).mean()


def cross_entropy_backward(logits, target):
    n = logits.shape[0]
    one_hot = torch.zeros_like(logits)
    one_hot[torch.arange(n), target] = 1.0
    return (softmax(logits, dim=1) - one_hot) / n


def dropout_forward(x, p=0.5, training=True):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        mask = torch.ones_like(x)
    elif p == 1.0:
        mask = torch.zeros_like(x)
    else:
        torch.manual_seed(42)
        mask = (torch.rand(x.shape, dtype=x.dtype) >= p).to(x.dtype) / (1.0 - p)
    return x * mask, mask


def dropout_backward(grad_out, mask):
    return grad_out * mask


def xavier_uniform(fan_out, fan_in, gain=1.0):
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return (2.0 * torch.rand(fan_out, fan_in) - 1.0) * bound


def kaiming_normal(fan_out, fan_in, nonlinearity="relu"):
    if nonlinearity not in GAINS:
        raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")
    return torch.randn(fan_out, fan_in) * (GAINS[nonlinearity] / math.sqrt(fan_in))


def two_layer_net(x, target, w1, b1, w2, b2, activation="relu"):
    act_forward, act_backward = ACTIVATIONS[activation]
    z = linear_forward(x, w1, b1)
    h = act_forward(z)
    logits = linear_forward(h, w2, b2)
    loss = cross_entropy_forward(logits, target)
    grad_h, grad_w2, grad_b2 = linear_backward(cross_entropy_backward(logits, target), h, w2)
    _, grad_w1, grad_b1 = linear_backward(act_backward(grad_h, z), x, w1)
    return loss, {"w1": grad_w1, "b1": grad_b1, "w2": grad_w2, "b2": grad_b2}
