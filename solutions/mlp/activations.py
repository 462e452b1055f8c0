"""Activation functions and their derivatives by hand: each one a forward and a backward, no autograd.

Conventions (the same as torch.nn.functional and torch's autograd):
- x is a tensor of any shape (*), float32 or float64; every output has the shape and the dtype of x.
- `*_forward(x)` returns y = f(x), elementwise.
- `*_backward(grad_y, x)` returns grad_x = grad_y * f'(x), elementwise: grad_y (*) is the gradient of the
  loss with respect to y, and the derivative is taken at the INPUT x (not at the output y).
- Every value and every derivative is finite and accurate for |x| up to 1000, in float32 and in float64:
  exp(1000) overflows to inf, so never divide inf by inf (exp(-|x|) is at most 1).
- At the kink x == 0, relu's derivative is 0 and leaky_relu's is negative_slope, as torch's.
- Inputs are never modified (no in-place operations on x or grad_y).

Forbidden here: torch.nn.functional.*, torch.nn modules, torch.sigmoid, torch.tanh, torch.relu,
torch.special.expit, Tensor.sigmoid/tanh/relu, torch.autograd.*, Tensor.backward, torch.func.*
(tanh included: build it from exp). Allowed: everything else, e.g. torch.exp, torch.expm1, torch.log1p,
torch.erf, torch.erfc, torch.where, torch.clamp, torch.abs, math.
"""
import math

import torch

GELU_FORMS = ("none", "tanh")
SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
GELU_TANH_CUBIC = 0.044715


def sigmoid_forward(x):
    """The logistic sigmoid.

    Args:
        x: (*) any shape.

    Returns:
        y: (*) y = 1 / (1 + exp(-x)), in [0, 1]; for x < 0 compute it as exp(x) / (1 + exp(x)), which cannot
        overflow.
    """
    y = None
    ### BEGIN SOLUTION
    e = torch.exp(-x.abs())  # in (0, 1]: never overflows
    y = torch.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION
    return y


def sigmoid_backward(grad_y, x):
    """The gradient through the sigmoid.

    Args:
        grad_y: (*) the gradient of the loss with respect to y = sigmoid(x).
        x:      (*) the input of sigmoid_forward.

    Returns:
        grad_x: (*) grad_x = grad_y * s * (1 - s), with s = sigmoid(x).
    """
    grad_x = None
    ### BEGIN SOLUTION
    e = torch.exp(-x.abs())
    grad_x = grad_y * (e / ((1.0 + e) * (1.0 + e)))  # s * (1 - s), symmetric in x
    ### END SOLUTION
    return grad_x


def tanh_forward(x):
    """The hyperbolic tangent, built from exp (torch.tanh is forbidden).

    Args:
        x: (*) any shape.

    Returns:
        y: (*) y = (exp(x) - exp(-x)) / (exp(x) + exp(-x)), in [-1, 1]; written with exp(-2|x|) it cannot
        overflow: tanh(x) = sign(x) * (1 - exp(-2|x|)) / (1 + exp(-2|x|)).
    """
    y = None
    ### BEGIN SOLUTION
    e = torch.exp(-2.0 * x.abs())  # in (0, 1]
    magnitude = -torch.expm1(-2.0 * x.abs()) / (1.0 + e)  # 1 - e, accurate near 0 too
    y = torch.where(x < 0, -magnitude, magnitude)
    ### END SOLUTION
    return y


def tanh_backward(grad_y, x):
    """The gradient through tanh.

    Args:
        grad_y: (*) the gradient of the loss with respect to y = tanh(x).
        x:      (*) the input of tanh_forward.

    Returns:
        grad_x: (*) grad_x = grad_y * (1 - tanh(x)^2).
    """
    grad_x = None
    ### BEGIN SOLUTION
    e = torch.exp(-2.0 * x.abs())
    grad_x = grad_y * (4.0 * e / ((1.0 + e) * (1.0 + e)))  # 1 - tanh^2 = 4e / (1 + e)^2
    ### END SOLUTION
    return grad_x


def relu_forward(x):
    """The rectified linear unit.

    Args:
        x: (*) any shape.

    Returns:
        y: (*) y = max(x, 0).
    """
    y = None
    ### BEGIN SOLUTION
    y = torch.where(x > 0, x, torch.zeros_like(x))
    ### END SOLUTION
    return y


def relu_backward(grad_y, x):
    """The gradient through relu.

    Args:
        grad_y: (*) the gradient of the loss with respect to y = relu(x).
        x:      (*) the input of relu_forward.

    Returns:
        grad_x: (*) grad_x = grad_y where x > 0, else 0 (at x == 0 exactly the gradient is 0, as torch's).
    """
    grad_x = None
    ### BEGIN SOLUTION
    grad_x = torch.where(x > 0, grad_y, torch.zeros_like(grad_y))
    ### END SOLUTION
    return grad_x


def leaky_relu_forward(x, negative_slope=0.01):
    """The leaky rectified linear unit.

    Args:
        x:              (*) any shape.
        negative_slope: a float >= 0 (it may be 0, or larger than 1).

    Returns:
        y: (*) y = x where x > 0, else negative_slope * x.
    """
    y = None
    ### BEGIN SOLUTION
    y = torch.where(x > 0, x, negative_slope * x)
    ### END SOLUTION
    return y


def leaky_relu_backward(grad_y, x, negative_slope=0.01):
    """The gradient through leaky_relu.

    Args:
        grad_y:         (*) the gradient of the loss with respect to y = leaky_relu(x, negative_slope).
        x:              (*) the input of leaky_relu_forward.
        negative_slope: the same float as in the forward pass.

    Returns:
        grad_x: (*) grad_x = grad_y where x > 0, else negative_slope * grad_y (at x == 0 exactly the gradient is
        negative_slope, as torch's).
    """
    grad_x = None
    ### BEGIN SOLUTION
    grad_x = torch.where(x > 0, grad_y, negative_slope * grad_y)
    ### END SOLUTION
    return grad_x


def gelu_forward(x, approximate="none"):
    """The Gaussian error linear unit, as torch.nn.functional.gelu(x, approximate=approximate).

    Args:
        x:           (*) any shape.
        approximate: "none" (the exact form, with erf) or "tanh" (the approximation); any other value raises
                     ValueError.

    Returns:
        y: (*) "none": y = x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))), Phi the standard normal CDF;
        "tanh": y = 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))).
    """
    y = None
    ### BEGIN SOLUTION
    if approximate not in GELU_FORMS:
        raise ValueError(f"approximate must be one of {GELU_FORMS}, got {approximate!r}")
    if approximate == "none":
        y = 0.5 * x * torch.erfc(-x / math.sqrt(2.0))  # 1 + erf(u) = erfc(-u), exact for x << 0 too
    else:
        y = 0.5 * x * (1.0 + tanh_forward(SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x ** 3)))
    ### END SOLUTION
    return y


def gelu_backward(grad_y, x, approximate="none"):
    """The gradient through gelu, as torch's autograd of torch.nn.functional.gelu(x, approximate=approximate).

    Args:
        grad_y:      (*) the gradient of the loss with respect to y = gelu(x, approximate).
        x:           (*) the input of gelu_forward.
        approximate: "none" or "tanh", as in gelu_forward; any other value raises ValueError.

    Returns:
        grad_x: (*) "none": grad_y * (Phi(x) + x * phi(x)), phi(x) = exp(-x^2 / 2) / sqrt(2 pi);
        "tanh": with u = sqrt(2 / pi) * (x + 0.044715 x^3) and t = tanh(u),
        grad_y * (0.5 * (1 + t) + 0.5 * x * (1 - t^2) * sqrt(2 / pi) * (1 + 3 * 0.044715 x^2)).
    """
    grad_x = None
    ### BEGIN SOLUTION
    if approximate not in GELU_FORMS:
        raise ValueError(f"approximate must be one of {GELU_FORMS}, got {approximate!r}")
    if approximate == "none":
        cdf = 0.5 * torch.erfc(-x / math.sqrt(2.0))
        pdf = torch.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)  # underflows to 0 for |x| large: finite
        grad_x = grad_y * (cdf + x * pdf)
    else:
        u = SQRT_2_OVER_PI * (x + GELU_TANH_CUBIC * x ** 3)
        t = tanh_forward(u)
        du_dx = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_TANH_CUBIC * x * x)
        grad_x = grad_y * (0.5 * (1.0 + t) + 0.5 * x * tanh_backward(du_dx, u))
    ### END SOLUTION
    return grad_x


def silu_forward(x):
    """The sigmoid linear unit (also called swish).

    Args:
        x: (*) any shape.

    Returns:
        y: (*) y = x * sigmoid(x).
    """
    y = None
    ### BEGIN SOLUTION
    y = x * sigmoid_forward(x)
    ### END SOLUTION
    return y


def silu_backward(grad_y, x):
    """The gradient through silu.

    Args:
        grad_y: (*) the gradient of the loss with respect to y = silu(x).
        x:      (*) the input of silu_forward.

    Returns:
        grad_x: (*) grad_x = grad_y * s * (1 + x * (1 - s)), with s = sigmoid(x).
    """
    grad_x = None
    ### BEGIN SOLUTION
    s = sigmoid_forward(x)
    grad_x = grad_y * (s + x * sigmoid_backward(torch.ones_like(x), x))  # s + x * s * (1 - s)
    ### END SOLUTION
    return grad_x
