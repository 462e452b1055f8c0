"""Correct: conv_transpose2d by index_add of every (input position, kernel offset) product into the flattened
canvas; nearest by a Kronecker product with a block of ones; bilinear as a product with "hat" matrices
A[i, j] = max(0, 1 - |src(i) - j|), which are the (1 - t, t) weights."""
import torch


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    (sh, sw), (ph, pw), (oph, opw) = _pair(stride), _pair(padding), _pair(output_padding)
    if oph >= sh or opw >= sw:
        raise ValueError("conv_transpose2d: output_padding must be smaller than stride")
    n, c_in, h, w = x.shape
    _, c_out, kh, kw = weight.shape
    full_h, full_w = (h - 1) * sh + kh + oph, (w - 1) * sw + kw + opw
    products = torch.einsum("nchw,coab->nohwab", x, weight)  # (N, C_out, H, W, KH, KW)
    rows = (torch.arange(h) * sh)[:, None, None, None] + torch.arange(kh)[None, None, :, None]
    cols = (torch.arange(w) * sw)[None, :, None, None] + torch.arange(kw)[None, None, None, :]
    target = (rows * full_w + cols).reshape(-1)  # (H*W*KH*KW,)
    canvas = x.new_zeros(n, c_out, full_h * full_w).index_add(2, target, products.reshape(n, c_out, -1))
    out = canvas.reshape(n, c_out, full_h, full_w)[:, :, ph:full_h - ph, pw:full_w - pw]
    return out if bias is None else out + bias[:, None, None]


def upsample_nearest(x, scale_factor):
    return torch.kron(x, torch.ones(1, 1, scale_factor, scale_factor, dtype=x.dtype))


def _hat(size_in, size_out, align_corners):
    i = torch.arange(size_out, dtype=torch.float64)
    if align_corners:
        src = i * (size_in - 1) / max(size_out - 1, 1)
    else:
        src = ((i + 0.5) * size_in / size_out - 0.5).clamp(0, size_in - 1)
    return (1 - (src[:, None] - torch.arange(size_in, dtype=torch.float64)[None, :]).abs()).clamp(min=0)


def upsample_bilinear(x, size, align_corners=False):
    a_h = _hat(x.shape[2], size[0], align_corners).to(x.dtype)
    a_w = _hat(x.shape[3], size[1], align_corners).to(x.dtype)
    return torch.einsum("ih,nchw,jw->ncij", a_h, x, a_w)
