"""Correct: explicit Python loops over the output positions, einsum over one window; backward accumulates window by window."""
import torch
import torch.nn.functional as F


def _pair(value):
    if isinstance(value, int):
        return value, value
    return tuple(value)


def _pad(x, PH, PW):
    """x with PH zero rows above and below and PW zero columns left and right."""
    N, C, H, W = x.shape
    x_pad = x.new_zeros(N, C, H + 2 * PH, W + 2 * PW)
    x_pad[:, :, PH:PH + H, PW:PW + W] = x
    return x_pad


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    SH, SW = _pair(stride)
    PH, PW = _pair(padding)
    H_out = (H + 2 * PH - KH) // SH + 1
    W_out = (W + 2 * PW - KW) // SW + 1

    x_pad = _pad(x, PH, PW)
    out = x.new_zeros(N, C_out, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * SH:i * SH + KH, j * SW:j * SW + KW]  # (N, C_in, KH, KW)
            out[:, :, i, j] = torch.einsum("ncab,ocab->no", window, weight)
    if bias is not None:
        out += bias.reshape(1, C_out, 1, 1)
    return out


def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    SH, SW = _pair(stride)
    PH, PW = _pair(padding)
    H_out = (H + 2 * PH - KH) // SH + 1
    W_out = (W + 2 * PW - KW) // SW + 1

    x_pad = _pad(x, PH, PW)
    grad_x_pad = torch.zeros_like(x_pad)
    grad_weight = torch.zeros_like(weight)
    for i in range(H_out):
        for j in range(W_out):
            window = x_pad[:, :, i * SH:i * SH + KH, j * SW:j * SW + KW]  # (N, C_in, KH, KW)
            g = grad_out[:, :, i, j]  # (N, C_out)
            grad_weight += torch.einsum("no,ncab->ocab", g, window)
            grad_x_pad[:, :, i * SH:i * SH + KH, j * SW:j * SW + KW] += torch.einsum("no,ocab->ncab", g, weight)
    grad_x = grad_x_pad[:, :, PH:PH + H, PW:PW + W].contiguous()
    grad_bias = grad_out.sum(dim=(0, 2, 3))
    return grad_x, grad_weight, grad_bias
