"""Variant of ct_padding_cropped_once: it crops the padding from the top and left only, keeping it at the bottom
and right.

Written as sums over the kernel's offsets: conv_transpose2d builds the canvas by adding, for each (a, b),
einsum('nchw,co->nohw') into the strided slice that offset reaches, then narrows it; nearest and bilinear
upsampling gather rows and columns with index tensors and mix neighbours with torch.lerp, unlike the
catalogue's fold and interpolation matrices."""
import torch


def _pair(value):
    """Turn an int or an (int, int) into an (int, int)."""
    if isinstance(value, int):
        return value, value
    return tuple(value)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    SH, SW = _pair(stride)
    PH, PW = _pair(padding)
    OPH, OPW = _pair(output_padding)
    if not (OPH < SH and OPW < SW):
        raise ValueError(f"output_padding {(OPH, OPW)} should be below stride {(SH, SW)} in each dimension")
    N, _, H, W = x.shape
    _, C_out, KH, KW = weight.shape
    H_full, W_full = (H - 1) * SH + KH + OPH, (W - 1) * SW + KW + OPW  # output_padding at the bottom/right
    canvas = x.new_zeros(N, C_out, H_full, W_full)
    for a in range(KH):
        for b in range(KW):
            stamp = torch.einsum("nchw,co->nohw", x, weight[:, :, a, b])  # (N, C_out, H, W)
            canvas[:, :, a:a + (H - 1) * SH + 1:SH, b:b + (W - 1) * SW + 1:SW] += stamp
    out = canvas.narrow(2, 2 * PH, H_full - 2 * PH).narrow(3, 2 * PW, W_full - 2 * PW)  # (N, C_out, H_out, W_out)
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out


def upsample_nearest(x, scale_factor):
    H, W = x.shape[-2:]
    rows = torch.arange(H * scale_factor) // scale_factor  # (H*s,) the source row of each output row
    cols = torch.arange(W * scale_factor) // scale_factor  # (W*s,)
    return x[:, :, rows][:, :, :, cols]  # (N, C, H*s, W*s)


def _source(size_in, size_out, align_corners):
    """(i0, i1, t) of every output index along one axis: two (size_out,) int64 tensors and a float64 one."""
    i = torch.arange(size_out, dtype=torch.float64)
    if align_corners:
        src = i * ((size_in - 1) / (size_out - 1)) if size_out > 1 else torch.zeros_like(i)
    else:
        src = torch.clamp((i + 0.5) * size_in / size_out - 0.5, min=0.0)
    i0 = torch.minimum(torch.floor(src).long(), torch.tensor(size_in - 1))
    i1 = torch.minimum(i0 + 1, torch.tensor(size_in - 1))
    return i0, i1, src - i0


def upsample_bilinear(x, size, align_corners=False):
    H, W = x.shape[-2:]
    H_out, W_out = size
    r0, r1, tr = _source(H, H_out, align_corners)
    c0, c1, tc = _source(W, W_out, align_corners)
    tr, tc = tr.to(x.dtype), tc.to(x.dtype)
    along_h = torch.lerp(x[:, :, r0, :], x[:, :, r1, :], tr[:, None])  # (N, C, H_out, W)
    return torch.lerp(along_h[:, :, :, c0], along_h[:, :, :, c1], tc)  # (N, C, H_out, W_out)
