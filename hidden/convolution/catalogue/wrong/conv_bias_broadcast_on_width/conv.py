"""Mistake: adds the (C_out,) bias without reshaping it, so it broadcasts along the width axis instead of the channels."""
import torch
import torch.nn.functional as F


def _pair(value):
    if isinstance(value, int):
        return value, value
    return tuple(value)


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    SH, SW = _pair(stride)
    PH, PW = _pair(padding)
    H_out = (H + 2 * PH - KH) // SH + 1
    W_out = (W + 2 * PW - KW) // SW + 1

    cols = F.unfold(x, (KH, KW), padding=(PH, PW), stride=(SH, SW))  # (N, C_in*KH*KW, H_out*W_out)
    out = weight.reshape(C_out, -1) @ cols  # (N, C_out, H_out*W_out)
    out = out.reshape(N, C_out, H_out, W_out)
    if bias is not None:
        out = out + bias
    return out


def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    N, C_in, H, W = x.shape
    C_out, _, KH, KW = weight.shape
    SH, SW = _pair(stride)
    PH, PW = _pair(padding)

    g = grad_out.reshape(N, C_out, -1)  # (N, C_out, H_out*W_out)
    cols = F.unfold(x, (KH, KW), padding=(PH, PW), stride=(SH, SW))  # (N, C_in*KH*KW, H_out*W_out)

    grad_bias = grad_out.sum(dim=(0, 2, 3))
    grad_weight = (g @ cols.transpose(1, 2)).sum(dim=0)  # (C_out, C_in*KH*KW)
    grad_weight = grad_weight.reshape(C_out, C_in, KH, KW)
    grad_cols = weight.reshape(C_out, -1).t() @ g  # (N, C_in*KH*KW, H_out*W_out)
    grad_x = F.fold(grad_cols, (H, W), (KH, KW), padding=(PH, PW), stride=(SH, SW))
    return grad_x, grad_weight, grad_bias
