"""A multi-layer perceptron by hand: linear layers, softmax cross-entropy, dropout, initialisation, and
backpropagation through a two-layer network, without autograd.

Conventions (the same as torch.nn.Linear, torch.nn.functional.cross_entropy, torch.nn.Dropout, torch.nn.init):
- Shapes: N batch size, I input features, O output features, H hidden units, C classes.
- A weight is (O, I), torch.nn.Linear's layout (out_features first); a bias is (O,). A layer computes
  x @ weight.T + bias.
- Targets are int64 class indices in [0, C), shape (N,); losses are the MEAN over the batch, a 0-dim tensor.
- Every `*_backward` gets the gradient of the loss with respect to its function's output and returns the
  gradients with respect to its inputs, each the shape of the input it belongs to.
- Outputs keep the dtype of the input (float32 or float64); inputs are never modified (no in-place
  operations on them).
- The activations come from activations.py beside this file (activation "NAME" is NAME_forward and
  NAME_backward there).

Forbidden here: torch.nn.functional.*, torch.nn modules (Linear, Dropout, CrossEntropyLoss, ...),
torch.softmax, torch.log_softmax, torch.logsumexp (and the Tensor methods of the same names),
torch.special.*, torch.dropout, torch.nn.init.*, torch.autograd.*, Tensor.backward, torch.func.*.
Allowed: everything else, e.g. matmul, torch.exp, torch.log, amax, sum, torch.rand, torch.randn, torch.where.
"""
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

ACTIVATIONS = {  # name -> (forward, backward), both from activations.py
    "relu": (relu_forward, relu_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "gelu": (gelu_forward, gelu_backward),
    "silu": (silu_forward, silu_backward),
}
GAINS = {  # torch.nn.init.calculate_gain for each nonlinearity kaiming_normal accepts
    "linear": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    "leaky_relu": math.sqrt(2.0 / (1.0 + 0.01 ** 2)),  # torch's default negative_slope 0.01
}


def linear_forward(x, weight, bias=None):
    """A fully connected layer, as torch.nn.functional.linear(x, weight, bias).

    Args:
        x:      (N, I) inputs.
        weight: (O, I) weights, out_features first (torch.nn.Linear's layout).
        bias:   (O,) or None (no bias).

    Returns:
        out: (N, O) out = x @ weight.T + bias.
    """
    out = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return out


def linear_backward(grad_out, x, weight):
    """The gradients through linear_forward(x, weight, bias).

    Args:
        grad_out: (N, O) the gradient of the loss with respect to out.
        x:        (N, I) the input of linear_forward.
        weight:   (O, I) the weight of linear_forward.

    Returns:
        (grad_x, grad_weight, grad_bias): grad_x (N, I) = grad_out @ weight, grad_weight (O, I) =
        grad_out.T @ x, grad_bias (O,) = grad_out summed over the batch (always returned, whether the forward
        pass had a bias or not).
    """
    grad_x = grad_weight = grad_bias = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return grad_x, grad_weight, grad_bias


def softmax(logits, dim=-1):
    """The softmax along one dimension, as torch.softmax(logits, dim).

    Args:
        logits: (*) any shape, float32 or float64; finite values up to 1e4 in magnitude.
        dim:    the dimension to normalise over (negative counts from the end).

    Returns:
        probs: (*) probs = exp(logits) / sum(exp(logits), dim), summing to 1 along dim; computed as
        exp(logits - max) / sum(exp(logits - max)) with the max along dim, which cannot overflow.
    """
    probs = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return probs


def cross_entropy_forward(logits, target):
    """The mean softmax cross-entropy, as torch.nn.functional.cross_entropy(logits, target).

    Args:
        logits: (N, C) unnormalised class scores; finite values up to 1e4 in magnitude.
        target: (N,) int64 class indices in [0, C).

    Returns:
        loss: a 0-dim tensor of the logits' dtype, loss = mean over n of -log softmax(logits[n])[target[n]]
        = mean over n of (logsumexp(logits[n]) - logits[n, target[n]]); logsumexp computed as
        max + log(sum(exp(logits - max))), so that it cannot overflow or take log(0).
    """
    loss = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return loss


def cross_entropy_backward(logits, target):
    """The gradient of cross_entropy_forward(logits, target) with respect to the logits.

    Args:
        logits: (N, C) the logits of cross_entropy_forward.
        target: (N,) int64 class indices in [0, C).

    Returns:
        grad_logits: (N, C) grad_logits = (softmax(logits, dim=1) - one_hot(target, C)) / N; the 1 / N comes from
        the mean over the batch.
    """
    grad_logits = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return grad_logits


def dropout_forward(x, p=0.5, training=True):
    """Inverted dropout, as torch.nn.functional.dropout(x, p, training).

    Args:
        x:        (*) any shape.
        p:        the probability of DROPPING an element (not of keeping it), 0 <= p <= 1; anything else
                  raises ValueError, in training or not (as torch).
        training: True: drop at random; False (evaluation): do nothing.

    Returns:
        (out, mask), both (*) with the dtype of x. In training each element is kept independently with
        probability 1 - p (a fresh draw at every call); the mask holds 1 / (1 - p) where kept and 0 where
        dropped, and out = x * mask, so that E[out] = x. p == 0: out equals x and the mask is all ones.
        p == 1: out and mask are all zeros (no division by zero). Not training: out equals x, mask all ones.
    """
    out = mask = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return out, mask


def dropout_backward(grad_out, mask):
    """The gradient through dropout_forward.

    Args:
        grad_out: (*) the gradient of the loss with respect to out.
        mask:     (*) the mask dropout_forward returned with out.

    Returns:
        grad_x: (*) grad_x = grad_out * mask.
    """
    grad_x = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return grad_x


def xavier_uniform(fan_out, fan_in, gain=1.0):
    """Glorot/Xavier initialisation, as torch.nn.init.xavier_uniform_ on a (fan_out, fan_in) weight.

    Args:
        fan_out: the number of output features O (rows of the weight).
        fan_in:  the number of input features I (columns of the weight).
        gain:    a float > 0 scaling the bound.

    Returns:
        weight: (fan_out, fan_in) in torch's default dtype (torch.get_default_dtype()), each entry drawn
        independently from U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)), i.e. variance
        gain^2 * 2 / (fan_in + fan_out).
    """
    weight = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return weight


def kaiming_normal(fan_out, fan_in, nonlinearity="relu"):
    """He/Kaiming initialisation, as torch.nn.init.kaiming_normal_(weight, mode="fan_in", nonlinearity=...)
    on a (fan_out, fan_in) weight.

    Args:
        fan_out:      the number of output features O (rows of the weight).
        fan_in:       the number of input features I (columns of the weight).
        nonlinearity: "linear" (gain 1), "sigmoid" (1), "tanh" (5/3), "relu" (sqrt(2)) or "leaky_relu"
                      (sqrt(2 / (1 + 0.01^2))), as torch.nn.init.calculate_gain; any other value raises ValueError.

    Returns:
        weight: (fan_out, fan_in) in torch's default dtype, each entry drawn independently from N(0, std^2) with
        std = gain / sqrt(fan_in).
    """
    weight = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return weight


def two_layer_net(x, target, w1, b1, w2, b2, activation="relu"):
    """The loss of a two-layer network and its gradients, by backpropagation through the functions above.

    Args:
        x:          (N, I) inputs.
        target:     (N,) int64 class indices in [0, C).
        w1:         (H, I) and b1: (H,) the hidden layer.
        w2:         (C, H) and b2: (C,) the output layer.
        activation: "relu", "sigmoid", "tanh", "leaky_relu" (negative_slope 0.01), "gelu" (exact) or "silu".

    Returns:
        (loss, grads): with z = linear_forward(x, w1, b1) (N, H), h = act(z) (N, H) and
        logits = linear_forward(h, w2, b2) (N, C), loss = cross_entropy_forward(logits, target), a 0-dim tensor;
        grads is a dict {"w1": (H, I), "b1": (H,), "w2": (C, H), "b2": (C,)} of the gradients of the loss,
        computed backwards: cross_entropy_backward, linear_backward, the activation's backward (at z, its
        input), linear_backward.
    """
    loss, grads = None, {}
    # YOUR CODE HERE
    raise NotImplementedError()
    return loss, grads
