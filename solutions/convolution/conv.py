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
    ### BEGIN SOLUTION
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    (SH, SW), (PH, PW) = _pair(stride), _pair(padding)
    H_out = (H + 2 * PH - KH) // SH + 1
    W_out = (W + 2 * PW - KW) // SW + 1

    cols = F.unfold(x, (KH, KW), padding=(PH, PW), stride=(SH, SW))  # (N, C_in*KH*KW, H_out*W_out)
    out = weight.reshape(C_out, -1) @ cols  # (N, C_out, H_out*W_out)
    out = out.reshape(N, C_out, H_out, W_out)  # (N, C_out, H_out, W_out)
    if bias is not None:
        out = out + bias.reshape(1, C_out, 1, 1)  # broadcast over N, H_out, W_out
    ### END SOLUTION
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
    ### BEGIN SOLUTION
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    (SH, SW), (PH, PW) = _pair(stride), _pair(padding)

    g = grad_out.reshape(N, C_out, -1)  # (N, C_out, H_out*W_out)
    cols = F.unfold(x, (KH, KW), padding=(PH, PW), stride=(SH, SW))  # (N, C_in*KH*KW, H_out*W_out)

    grad_bias = grad_out.sum(dim=(0, 2, 3))  # (C_out,)
    grad_weight = (g @ cols.transpose(1, 2)).sum(dim=0)  # (C_out, C_in*KH*KW)
    grad_weight = grad_weight.reshape(C_out, C_in, KH, KW)  # (C_out, C_in, KH, KW)
    grad_cols = weight.reshape(C_out, -1).t() @ g  # (N, C_in*KH*KW, H_out*W_out)
    grad_x = F.fold(grad_cols, (H, W), (KH, KW), padding=(PH, PW), stride=(SH, SW))  # (N, C_in, H, W)
    ### END SOLUTION
    return grad_x, grad_weight, grad_bias
