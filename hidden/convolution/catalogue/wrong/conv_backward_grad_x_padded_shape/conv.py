"""Mistake: returns the gradient of the padded input, without cropping the padding away."""
import torch
import torch.nn.functional as F


def _pair(value):
    if isinstance(value, int):
        return value, value
    return tuple(value)


def _correlate(x_pad, weight, SH, SW):
    """Cross-correlation of an already padded input, written as a sum over the kernel offsets."""
    N, C_in, HP, WP = x_pad.shape
    C_out, _, KH, KW = weight.shape
    H_out = (HP - KH) // SH + 1
    W_out = (WP - KW) // SW + 1
    out = x_pad.new_zeros(N, C_out, H_out, W_out)
    for a in range(KH):
        for b in range(KW):
            shifted = x_pad[:, :, a:a + SH * (H_out - 1) + 1:SH, b:b + SW * (W_out - 1) + 1:SW]
            out += torch.einsum("oc,ncij->noij", weight[:, :, a, b], shifted)
    return out


def _dilate(g, SH, SW):
    """g with SH - 1 zero rows and SW - 1 zero columns inserted between its entries."""
    N, C, H, W = g.shape
    out = g.new_zeros(N, C, (H - 1) * SH + 1, (W - 1) * SW + 1)
    out[:, :, ::SH, ::SW] = g
    return out


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    SH, SW = _pair(stride)
    PH, PW = _pair(padding)
    x_pad = F.pad(x, (PW, PW, PH, PH))
    out = _correlate(x_pad, weight, SH, SW)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out


def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    SH, SW = _pair(stride)
    PH, PW = _pair(padding)
    HP, WP = H + 2 * PH, W + 2 * PW
    x_pad = F.pad(x, (PW, PW, PH, PH))

    grad_bias = grad_out.sum(dim=(0, 2, 3))

    # dL/dweight: correlate the padded input with grad_out spread out by the stride
    # (the batch plays the role of the channels).
    g_dil = _dilate(grad_out, SH, SW)  # (N, C_out, (H_out-1)*SH+1, (W_out-1)*SW+1)
    grad_weight = _correlate(x_pad.transpose(0, 1), g_dil.transpose(0, 1), 1, 1).transpose(0, 1)
    grad_weight = grad_weight[:, :, :KH, :KW].contiguous()  # rows a stride remainder left unused

    # dL/dx: a transposed convolution, i.e. a full correlation of the dilated grad_out
    # with the kernels rotated by 180 degrees and in/out channels swapped.
    w_flip = weight.flip(2, 3).transpose(0, 1)  # (C_in, C_out, KH, KW)
    g_full = F.pad(g_dil, (KW - 1, KW - 1, KH - 1, KH - 1))
    grad_x_pad = _correlate(g_full, w_flip, 1, 1)  # (N, C_in, (H_out-1)*SH+KH, (W_out-1)*SW+KW)
    # rows and columns that no window reached (stride remainder) get a zero gradient
    grad_x_pad = F.pad(grad_x_pad, (0, WP - grad_x_pad.shape[3], 0, HP - grad_x_pad.shape[2]))
    grad_x = grad_x_pad
    return grad_x, grad_weight, grad_bias
