"""mlp.py of the mlp diagnosis set: matmul with the transposes spelled out, sums accumulated in Python loops,
logsumexp with the max kept 2-D, the one-hot by comparison with arange, dropout by rand_like, gains looked up
with try/except."""
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
    out = torch.matmul(x, weight.t())  # (N, O)
    if bias is not None:
        out = out + bias[None, :]
    return out


def linear_backward(grad_out, x, weight):
    grad_x = torch.matmul(grad_out, weight)  # (N, I)
    grad_weight = torch.matmul(x.t(), grad_out).t()  # (I, O) -> (O, I)
    grad_bias = torch.zeros_like(grad_out[0])
    for row in grad_out:
        grad_bias = grad_bias + row
    grad_bias = grad_bias / grad_out.shape[0]
    return grad_x, grad_weight, grad_bias


def softmax(logits, dim=-1):
    e = logits.exp()
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy_forward(logits, target):
    n = logits.shape[0]
    top = logits.max(dim=1, keepdim=True).values  # (N, 1)
    log_sum_exp = (top + (logits - top).exp().sum(dim=1, keepdim=True).log())[:, 0]  # (N,)
    picked = logits[torch.arange(n), target]  # (N,)
    total = torch.zeros((), dtype=logits.dtype)
    for k in range(n):
        total = total + (log_sum_exp[k] - picked[k])
    return total / n


def cross_entropy_backward(logits, target):
    n, c = logits.shape
    one_hot = (torch.arange(c)[None, :] == target[:, None]).to(logits.dtype)  # (N, C)
    return (softmax(logits, dim=1) - one_hot) * (1.0 / n)


def dropout_forward(x, p=0.5, training=True):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"p must lie in [0, 1], got {p}")
    if training and p > 0.0:
        keep = torch.rand_like(x) >= p
        scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
        mask = keep.to(x.dtype) * scale
    else:
        mask = torch.ones_like(x)
    return x * mask, mask


def dropout_backward(grad_out, mask):
    return mask * grad_out


def xavier_uniform(fan_out, fan_in, gain=1.0):
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    u = torch.rand(fan_out, fan_in)  # (O, I)
    return (2.0 * u - 1.0) * a


def kaiming_normal(fan_out, fan_in, nonlinearity="relu"):
    try:
        gain = GAINS[nonlinearity]
    except KeyError:
        raise ValueError(f"no gain for nonlinearity {nonlinearity!r}") from None
    std = gain / math.sqrt(fan_in)
    return torch.randn(fan_out, fan_in) * std


def two_layer_net(x, target, w1, b1, w2, b2, activation="relu"):
    forward, backward = ACTIVATIONS[activation]
    cache = {"z": linear_forward(x, w1, b1)}  # (N, H)
    cache["h"] = forward(cache["z"])  # (N, H)
    logits = linear_forward(cache["h"], w2, b2)  # (N, C)
    loss = cross_entropy_forward(logits, target)
    grads = {}
    grad_h, grads["w2"], grads["b2"] = linear_backward(cross_entropy_backward(logits, target), cache["h"], w2)
    grad_z = backward(grad_h, cache["z"])
    _, grads["w1"], grads["b1"] = linear_backward(grad_z, x, w1)
    return loss, grads
