"""Correct: conv_transpose2d by stamping each input position's kernel onto a zero canvas in a Python loop
(slice +=, which autograd records); nearest by indexing with i // s; bilinear by gathering rows and columns
with index tensors and mixing them with the weights."""
import torch


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    oph, opw = _pair(output_padding)
    if not (oph < sh and opw < sw):
        raise ValueError("output_padding must be smaller than stride in each dimension")
    n, c_in, h, w = x.shape
    _, c_out, kh, kw = weight.shape
    canvas = torch.zeros(n, c_out, (h - 1) * sh + kh + oph, (w - 1) * sw + kw + opw, dtype=x.dtype)
    for i in range(h):
        for j in range(w):
            stamp = torch.einsum("nc,cokl->nokl", x[:, :, i, j], weight)
            canvas[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw] += stamp
    out = canvas[:, :, ph:canvas.shape[2] - ph, pw:canvas.shape[3] - pw]
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out


def upsample_nearest(x, scale_factor):
    rows = torch.arange(x.shape[2] * scale_factor) // scale_factor
    cols = torch.arange(x.shape[3] * scale_factor) // scale_factor
    return x[:, :, rows][:, :, :, cols]


def _source(size_in, size_out, align_corners):
    out = []
    for i in range(size_out):
        if align_corners:
            src = 0.0 if size_out == 1 else i * (size_in - 1) / (size_out - 1)
        else:
            src = max((i + 0.5) * size_in / size_out - 0.5, 0.0)
        i0 = min(int(src), size_in - 1)
        out.append((i0, min(i0 + 1, size_in - 1), src - i0))
    return out


def upsample_bilinear(x, size, align_corners=False):
    rows = _source(x.shape[2], size[0], align_corners)
    cols = _source(x.shape[3], size[1], align_corners)
    r0, r1 = (torch.tensor([r[k] for r in rows]) for k in range(2))
    c0, c1 = (torch.tensor([c[k] for c in cols]) for k in range(2))
    rt = torch.tensor([r[2] for r in rows], dtype=torch.float64)
    ct = torch.tensor([c[2] for c in cols], dtype=torch.float64)
    rt, ct = rt.to(x.dtype)[:, None], ct.to(x.dtype)
    along_h = x[:, :, r0] * (1 - rt) + x[:, :, r1] * rt
    return along_h[:, :, :, c0] * (1 - ct) + along_h[:, :, :, c1] * ct
