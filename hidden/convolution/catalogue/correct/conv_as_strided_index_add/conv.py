"""Correct: windows as an as_strided view contracted with einsum; grad_x scattered back with index_add_."""
import torch


def _pair(value):
    if isinstance(value, int):
        return value, value
    return tuple(value)


def _padded(x, PH, PW):
    """A fresh, contiguous copy of x with zeros around it."""
    N, C, H, W = x.shape
    x_pad = torch.zeros((N, C, H + 2 * PH, W + 2 * PW), dtype=x.dtype, device=x.device)
    x_pad[:, :, PH:PH + H, PW:PW + W] = x
    return x_pad


def _windows(x_pad, KH, KW, SH, SW):
    """View (N, C, H_out, W_out, KH, KW) of every receptive window of a contiguous x_pad."""
    N, C, HP, WP = x_pad.shape
    H_out = (HP - KH) // SH + 1
    W_out = (WP - KW) // SW + 1
    sN, sC, sH, sW = x_pad.stride()
    return x_pad.as_strided((N, C, H_out, W_out, KH, KW), (sN, sC, sH * SH, sW * SW, sH, sW))


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    KH, KW = weight.shape[2:]
    SH, SW = _pair(stride)
    PH, PW = _pair(padding)
    win = _windows(_padded(x, PH, PW), KH, KW, SH, SW)
    out = torch.einsum("ncijab,ocab->noij", win, weight)
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out.contiguous()


def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    SH, SW = _pair(stride)
    PH, PW = _pair(padding)
    HP, WP = H + 2 * PH, W + 2 * PW
    H_out, W_out = grad_out.shape[2:]

    win = _windows(_padded(x, PH, PW), KH, KW, SH, SW)
    grad_weight = torch.einsum("noij,ncijab->ocab", grad_out, win)
    grad_bias = grad_out.sum(dim=(0, 2, 3))

    # Gradient of every window entry, then add each one to the padded pixel it was read from.
    grad_win = torch.einsum("noij,ocab->ncijab", grad_out, weight)  # (N, C_in, H_out, W_out, KH, KW)
    rows = (torch.arange(H_out) * SH)[:, None] + torch.arange(KH)[None, :]  # (H_out, KH)
    cols = (torch.arange(W_out) * SW)[:, None] + torch.arange(KW)[None, :]  # (W_out, KW)
    flat = rows[:, None, :, None] * WP + cols[None, :, None, :]  # (H_out, W_out, KH, KW)
    grad_x_pad = torch.zeros((N, C_in, HP * WP), dtype=x.dtype, device=x.device)
    grad_x_pad.index_add_(2, flat.reshape(-1).to(x.device), grad_win.reshape(N, C_in, -1))
    grad_x = grad_x_pad.reshape(N, C_in, HP, WP)[:, :, PH:PH + H, PW:PW + W].contiguous()
    return grad_x, grad_weight, grad_bias
