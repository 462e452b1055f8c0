"""Correct: conv_transpose2d as an ordinary correlation (written with unfold) of the stride-dilated input,
padded by K - 1 - P (plus output_padding at the bottom/right), with the flipped kernel transposed to
(C_out, C_in, KH, KW); nearest by expand and reshape; bilinear by lerp of gathered neighbours."""
import torch
import torch.nn.functional as F


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    (sh, sw), (ph, pw), (oph, opw) = _pair(stride), _pair(padding), _pair(output_padding)
    if oph >= sh or opw >= sw:
        raise ValueError(f"output_padding {output_padding} must be smaller than stride {stride}")
    n, c_in, h, w = x.shape
    _, c_out, kh, kw = weight.shape
    dilated = x.new_zeros(n, c_in, (h - 1) * sh + 1, (w - 1) * sw + 1)
    dilated = dilated.index_put((torch.arange(n)[:, None, None, None], torch.arange(c_in)[None, :, None, None],
                                 (torch.arange(h) * sh)[None, None, :, None], (torch.arange(w) * sw)[None, None, None, :]),
                                x)
    top, left = kh - 1 - ph, kw - 1 - pw
    bottom, right = top + oph, left + opw
    # negative padding crops
    dilated = F.pad(dilated, (left, right, top, bottom))
    kernel = weight.flip(2, 3).transpose(0, 1)  # (C_out, C_in, KH, KW)
    h_out, w_out = dilated.shape[2] - kh + 1, dilated.shape[3] - kw + 1
    cols = F.unfold(dilated, (kh, kw))  # (N, C_in*KH*KW, H_out*W_out)
    out = (kernel.reshape(c_out, -1) @ cols).reshape(n, c_out, h_out, w_out)
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out


def upsample_nearest(x, scale_factor):
    n, c, h, w = x.shape
    s = scale_factor
    return x[:, :, :, None, :, None].expand(n, c, h, s, w, s).reshape(n, c, h * s, w * s)


def _coords(size_in, size_out, align_corners, dtype):
    i = torch.arange(size_out, dtype=dtype)
    if align_corners:
        scale = (size_in - 1) / (size_out - 1) if size_out > 1 else 0.0
        src = i * scale
    else:
        src = torch.clamp((i + 0.5) * size_in / size_out - 0.5, min=0.0)
    lo = torch.clamp(src.long(), max=size_in - 1)
    hi = torch.clamp(lo + 1, max=size_in - 1)
    return lo, hi, src - lo.to(dtype)


def upsample_bilinear(x, size, align_corners=False):
    lo, hi, t = _coords(x.shape[2], size[0], align_corners, torch.float64)
    y = torch.lerp(x.index_select(2, lo), x.index_select(2, hi), t.to(x.dtype).view(-1, 1))
    lo, hi, t = _coords(x.shape[3], size[1], align_corners, torch.float64)
    return torch.lerp(y.index_select(3, lo), y.index_select(3, hi), t.to(x.dtype))
