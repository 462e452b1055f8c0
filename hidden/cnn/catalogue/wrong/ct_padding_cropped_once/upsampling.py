# Wrong: crops the padding from the top and left only, keeping it at the bottom and right.
"""Making feature maps larger: transposed convolution, nearest and bilinear upsampling, from scratch.

Conventions (the same as torch.nn.functional.conv_transpose2d and interpolate):
- Shapes: N batch, C_in and C_out channels, H and W the input's height and width, H_out and W_out the output's.
- Transposed ("fractionally strided") convolution is the adjoint of conv2d: every input value x[n, c, h, w]
  stamps its kernel weight[c, :, :, :], scaled by the value, onto the output at rows h*SH ... h*SH + KH - 1
  and columns w*SW ... w*SW + KW - 1 of a full canvas; overlapping stamps add up. The kernel is NOT flipped.
  Then `padding` rows/columns are cropped from BOTH sides of the canvas, and `output_padding` extra
  rows/columns are kept at the bottom/right, so
  H_out = (H - 1) * SH - 2 * PH + KH + OPH and W_out = (W - 1) * SW - 2 * PW + KW + OPW.
- weight is (C_in, C_out, KH, KW): torch's layout for transposed convolution, the transpose of conv2d's
  (C_out, C_in, KH, KW). stride, padding and output_padding are an int or a pair (for H, for W);
  output_padding must be smaller than stride in each dimension, else ValueError (torch raises RuntimeError).
- Nearest upsampling by an int factor s >= 1 copies every value into an s x s block:
  out[n, c, i, j] = x[n, c, i // s, j // s].
- Bilinear upsampling to size (H_out, W_out) interpolates along H, then along W. Output index i reads the source
  coordinate src(i), which depends on align_corners (libraries disagree):
  align_corners=True:  src(i) = i * (H - 1) / (H_out - 1)  (0 when H_out == 1): the corner pixels' CENTRES align;
  align_corners=False: src(i) = (i + 0.5) * H / H_out - 0.5, clamped below at 0: the corner pixels' EDGES align.
  With i0 = floor(src), i1 = min(i0 + 1, H - 1) and t = src - i0, the value is (1 - t) * x[i0] + t * x[i1].
- Outputs keep the dtype of x (float32 or float64); inputs are never modified. All three functions must be
  differentiable by autograd with respect to x (and weight and bias): no .detach(), .item() or torch.no_grad()
  on the way.

Forbidden here: torch.nn.functional.conv*, conv_transpose*, interpolate, upsample*, grid_sample,
torch.nn.Conv*, torch.nn.Upsample*, torch.nn.grad.*, torch.conv*, torch.autograd.* (torch.no_grad included),
Tensor.backward, torch.func.*. Allowed: everything else, torch.nn.functional.unfold/fold, matmul and einsum included.
"""
import torch
import torch.nn.functional as F


def _pair(value):
    """Turn an int or an (int, int) into an (int, int)."""
    if isinstance(value, int):
        return value, value
    return tuple(value)


def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    """Transposed convolution, as torch.nn.functional.conv_transpose2d(x, weight, bias, stride, padding,
    output_padding).

    Args:
        x:              (N, C_in, H, W) input.
        weight:         (C_in, C_out, KH, KW) kernels (torch's transposed-convolution layout).
        bias:           (C_out,) or None.
        stride:         int or (SH, SW).
        padding:        int or (PH, PW), cropped from both sides of the full output.
        output_padding: int or (OPH, OPW), extra rows/columns at the bottom/right; OPH < SH and OPW < SW,
                        else ValueError.

    Returns:
        out: (N, C_out, H_out, W_out), the dtype of x, H_out = (H - 1) * SH - 2 * PH + KH + OPH (W_out alike):
             out = crop(full) + bias, full[n, o, h*SH + a, w*SW + b] += sum_c x[n, c, h, w] * weight[c, o, a, b].
    """
    out = None
    (SH, SW), (PH, PW), (OPH, OPW) = _pair(stride), _pair(padding), _pair(output_padding)
    if OPH >= SH or OPW >= SW:
        raise ValueError(f"output_padding {(OPH, OPW)} must be smaller than stride {(SH, SW)} in each dimension")
    N, C_in, H, W = x.shape
    _, C_out, KH, KW = weight.shape
    stamps = weight.reshape(C_in, C_out * KH * KW).T @ x.reshape(N, C_in, H * W)  # (N, C_out*KH*KW, H*W)
    H_full, W_full = (H - 1) * SH + KH + OPH, (W - 1) * SW + KW + OPW  # the canvas, output_padding included
    full = F.fold(stamps, (H_full, W_full), (KH, KW), stride=(SH, SW))  # (N, C_out, H_full, W_full)
    out = full[:, :, 2 * PH:, 2 * PW:]  # (N, C_out, H_out, W_out)
    if bias is not None:
        out = out + bias.reshape(1, C_out, 1, 1)  # broadcast over N, H_out, W_out
    return out


def upsample_nearest(x, scale_factor):
    """Nearest-neighbour upsampling, as torch.nn.functional.interpolate(x, scale_factor=s, mode="nearest").

    Args:
        x:            (N, C, H, W) input.
        scale_factor: int s >= 1.

    Returns:
        out: (N, C, H * s, W * s), the dtype of x: out[n, c, i, j] = x[n, c, i // s, j // s].
    """
    out = None
    out = x.repeat_interleave(scale_factor, dim=2)  # (N, C, H*s, W)
    out = out.repeat_interleave(scale_factor, dim=3)  # (N, C, H*s, W*s)
    return out


def _bilinear_matrix(size_in, size_out, align_corners, dtype):
    """(size_out, size_in), dtype: row i holds the weight 1 - t at column i0 and t at column i1 (module docstring)."""
    matrix = None
    i = torch.arange(size_out, dtype=torch.float64)
    if align_corners:
        src = i * ((size_in - 1) / (size_out - 1)) if size_out > 1 else torch.zeros_like(i)
    else:
        src = ((i + 0.5) * (size_in / size_out) - 0.5).clamp(min=0)
    i0 = src.floor().long().clamp(max=size_in - 1)
    i1 = (i0 + 1).clamp(max=size_in - 1)
    t = src - i0
    matrix = torch.zeros(size_out, size_in, dtype=torch.float64)
    rows = torch.arange(size_out)
    matrix.index_put_((rows, i0), 1 - t, accumulate=True)
    matrix.index_put_((rows, i1), t, accumulate=True)  # i1 == i0 at the last row: the weights add up to 1
    matrix = matrix.to(dtype)
    return matrix


def upsample_bilinear(x, size, align_corners=False):
    """Bilinear upsampling, as torch.nn.functional.interpolate(x, size=size, mode="bilinear", align_corners=...).

    Args:
        x:             (N, C, H, W) input.
        size:          (H_out, W_out), the output's height and width.
        align_corners: True: src(i) = i * (H - 1) / (H_out - 1); False: src(i) = max((i + 0.5) * H / H_out - 0.5, 0).

    Returns:
        out: (N, C, H_out, W_out), the dtype of x: along each axis (1 - t) * x[i0] + t * x[i1] with
             i0 = floor(src(i)), i1 = min(i0 + 1, H - 1), t = src(i) - i0, H first, then W.
    """
    out = None
    H, W = x.shape[-2:]
    H_out, W_out = size
    rows = _bilinear_matrix(H, H_out, align_corners, x.dtype)  # (H_out, H)
    cols = _bilinear_matrix(W, W_out, align_corners, x.dtype)  # (W_out, W)
    out = rows @ x @ cols.T  # (N, C, H_out, W_out)
    return out

