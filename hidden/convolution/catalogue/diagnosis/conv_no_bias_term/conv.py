"""Variant of conv_bias_ignored: the bias is never added.

Written as a sum over the kernel's offsets (one strided slice of the padded input per offset (a, b)),
unlike the catalogue's unfold and per-position loops."""
import torch


def _hw(value):
    """(height, width) of an int or a pair."""
    if isinstance(value, int):
        return value, value
    return value[0], value[1]


def _padded(x, ph, pw):
    return torch.nn.functional.pad(x, (pw, pw, ph, ph))  # (N, C, H + 2PH, W + 2PW)


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    sh, sw = _hw(stride)
    ph, pw = _hw(padding)
    h_out = (h + 2 * ph - kh) // sh + 1
    w_out = (w + 2 * pw - kw) // sw + 1
    xp = _padded(x, ph, pw)
    out = torch.zeros(n, c_out, h_out, w_out, dtype=x.dtype)
    for a in range(kh):
        for b in range(kw):
            patch = xp[:, :, a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]  # (N, C_in, H_out, W_out)
            out = out + torch.einsum("nchw,oc->nohw", patch, weight[:, :, a, b])
    return out


def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    sh, sw = _hw(stride)
    ph, pw = _hw(padding)
    h_out, w_out = grad_out.shape[2], grad_out.shape[3]
    xp = _padded(x, ph, pw)
    grad_xp = torch.zeros_like(xp)
    grad_weight = torch.zeros_like(weight)
    for a in range(kh):
        for b in range(kw):
            rows = slice(a, a + sh * (h_out - 1) + 1, sh)
            cols = slice(b, b + sw * (w_out - 1) + 1, sw)
            grad_weight[:, :, a, b] = torch.einsum("nohw,nchw->oc", grad_out, xp[:, :, rows, cols])
            grad_xp[:, :, rows, cols] += torch.einsum("nohw,oc->nchw", grad_out, weight[:, :, a, b])
    grad_x = grad_xp[:, :, ph:ph + h, pw:pw + w]
    grad_bias = grad_out.sum(dim=(0, 2, 3))
    return grad_x, grad_weight, grad_bias
