"""A correct submission, written the way many students do: pad, then one slice per kernel offset."""
import torch
import torch.nn.functional as F


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    h_out, w_out = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(n, c_out, h_out, w_out)
    for a in range(kh):
        for b in range(kw):
            patch = xp[:, :, a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]
            out += torch.einsum("nchw,oc->nohw", patch, weight[:, :, a, b])
    if bias is not None:
        out += bias[None, :, None, None]
    return out


def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    (sh, sw), (ph, pw) = _pair(stride), _pair(padding)
    n, c_in, h, w = x.shape
    _, _, kh, kw = weight.shape
    h_out, w_out = grad_out.shape[2:]
    xp = F.pad(x, (pw, pw, ph, ph))
    grad_xp = torch.zeros_like(xp)
    grad_w = torch.zeros_like(weight)
    for a in range(kh):
        for b in range(kw):
            rows = slice(a, a + sh * (h_out - 1) + 1, sh)
            cols = slice(b, b + sw * (w_out - 1) + 1, sw)
            grad_w[:, :, a, b] = torch.einsum("nohw,nchw->oc", grad_out, xp[:, :, rows, cols])
            grad_xp[:, :, rows, cols] += torch.einsum("nohw,oc->nchw", grad_out, weight[:, :, a, b])
    grad_x = grad_xp[:, :, ph:ph + h, pw:pw + w]
    return grad_x, grad_w, grad_out.sum(dim=(0, 2, 3))
