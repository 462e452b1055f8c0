"""2-D convolution, forward and backward, from scratch.

Conventions (the same as torch.nn.functional.conv2d):
- "Convolution" here is cross-correlation: the kernel is NOT flipped.
  out[n, o, i, j] = bias[o] + sum_{c, a, b} weight[o, c, a, b] * x_pad[n, c, i*SH + a, j*SW + b]
- x_pad is x with `padding` zeros added on both sides of H and W.
- stride and padding are an int (the same for H and W) or a pair (for H, for W).
- H_out = floor((H + 2*PH - KH) / SH) + 1 and W_out = floor((W + 2*PW - KW) / SW) + 1.
- Outputs keep the dtype of x (float32 or float64); inputs are never modified.

Forbidden here: torch.nn.functional.conv*/conv_transpose*, torch.conv*, torch.nn.grad,
torch.autograd.grad/backward, Tensor.backward, torch.func, torch.nn.Conv*.
Allowed: everything else, torch.nn.functional.unfold/fold and torch.no_grad included.
"""
import torch
import torch.nn.functional as F


def _pair(value):
    """Turn an int or an (int, int) into an (int, int)."""
    if isinstance(value, int):
        return value, value
    return tuple(value)


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    """Forward pass of a 2-D convolution (cross-correlation).

    Args:
        x:       (N, C_in, H, W) input.
        weight:  (C_out, C_in, KH, KW) kernels.
        bias:    (C_out,) or None.
        stride:  int or (SH, SW).
        padding: int or (PH, PW), zeros added on both sides.

    Returns:
        out: (N, C_out, H_out, W_out), the dtype of x, where
             out[n, o, i, j] = bias[o] + sum_{c,a,b} weight[o, c, a, b] * x_pad[n, c, i*SH + a, j*SW + b].
    """
    out = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return out


def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    """Backward pass of conv2d_forward, without autograd.

    The gradients of L = sum(conv2d_forward(x, weight, bias, stride, padding) * grad_out).

    Args:
        grad_out: (N, C_out, H_out, W_out), dL/dout.
        x:        (N, C_in, H, W), the forward input.
        weight:   (C_out, C_in, KH, KW), the forward kernels.
        stride:   int or (SH, SW), as in the forward pass.
        padding:  int or (PH, PW), as in the forward pass.

    Returns:
        grad_x:      (N, C_in, H, W), dL/dx (padding cropped away).
        grad_weight: (C_out, C_in, KH, KW), dL/dweight, summed over the batch.
        grad_bias:   (C_out,), dL/dbias = sum of grad_out over N, H_out, W_out.
    """
    grad_x = grad_weight = grad_bias = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return grad_x, grad_weight, grad_bias
