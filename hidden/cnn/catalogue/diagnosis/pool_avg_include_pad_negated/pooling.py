"""Variant of avg_count_include_pad_inverted: it reads count_include_pad the wrong way round: True divides by the
real values in the window, False by KH * KW.

Written with window index grids: every window gathered by advanced indexing of the padded input as an
(N, C, H_out, W_out, KH*KW) tensor, a running best over the offsets for the maximum, and the backward passes
accumulated with index_put_ / index_add_ into a flat or padded canvas, unlike the catalogue's unfold/fold."""
import torch


def _pair(value):
    """Turn an int or an (int, int) into an (int, int)."""
    if isinstance(value, int):
        return value, value
    return tuple(value)


def _arguments(kernel_size, stride, padding):
    """(KH, KW), (SH, SW), (PH, PW) as int pairs; ValueError when the padding exceeds half the kernel."""
    KH, KW = _pair(kernel_size)
    PH, PW = _pair(padding)
    if stride is None:
        SH, SW = KH, KW  # non-overlapping windows
    else:
        SH, SW = _pair(stride)
    too_wide = [p for p, k in ((PH, KH), (PW, KW)) if p * 2 > k]
    if too_wide:
        raise ValueError(f"padding {(PH, PW)} is more than half of kernel_size {(KH, KW)}")
    return (KH, KW), (SH, SW), (PH, PW)


def _grid(H, W, kernel, stride, padding):
    """Padded row and column of every (window, offset): two (H_out, W_out, KH*KW) int64 tensors."""
    (KH, KW), (SH, SW), (PH, PW) = kernel, stride, padding
    H_out, W_out = (H + 2 * PH - KH) // SH + 1, (W + 2 * PW - KW) // SW + 1
    top = torch.arange(H_out) * SH  # (H_out,) first padded row of each window
    left = torch.arange(W_out) * SW  # (W_out,)
    da = torch.arange(KH).repeat_interleave(KW)  # (KH*KW,) row offset, row-major
    db = torch.arange(KW).repeat(KH)  # (KH*KW,) column offset
    rows = top[:, None, None] + da[None, None, :]  # (H_out, 1, KH*KW)
    cols = left[None, :, None] + db[None, None, :]  # (1, W_out, KH*KW)
    return rows.expand(H_out, W_out, KH * KW), cols.expand(H_out, W_out, KH * KW)


def _padded(x, padding, fill):
    """x with PH rows and PW columns of `fill` on both sides: (N, C, H + 2PH, W + 2PW)."""
    N, C, H, W = x.shape
    PH, PW = padding
    canvas = torch.full((N, C, H + 2 * PH, W + 2 * PW), fill, dtype=x.dtype)
    canvas[:, :, PH:PH + H, PW:PW + W] = x
    return canvas


def _windows(x, kernel, stride, padding, fill):
    """(N, C, H_out, W_out, KH*KW): every window's values, row-major, the padding as `fill`."""
    H, W = x.shape[-2:]
    rows, cols = _grid(H, W, kernel, stride, padding)
    return _padded(x, padding, fill)[:, :, rows, cols]


def _winners(x, kernel, stride, padding):
    """(best, offset): each window's maximum and the offset of its first maximum, (N, C, H_out, W_out) each."""
    windows = _windows(x, kernel, stride, padding, -torch.inf)
    best = windows[..., 0]
    offset = torch.zeros(best.shape, dtype=torch.int64)
    for k in range(1, windows.shape[-1]):
        better = windows[..., k] > best  # strict: an equal value later in the window does not win
        best = torch.where(better, windows[..., k], best)
        offset = torch.where(better, torch.full_like(offset, k), offset)
    return best, offset


def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    kernel, stride, padding = _arguments(kernel_size, stride, padding)
    H, W = x.shape[-2:]
    out, offset = _winners(x, kernel, stride, padding)
    rows, cols = _grid(H, W, kernel, stride, padding)  # (H_out, W_out, KH*KW) each
    row = rows.gather(2, offset.flatten(0, 1).permute(1, 2, 0)).permute(2, 0, 1)  # (N*C, H_out, W_out)
    col = cols.gather(2, offset.flatten(0, 1).permute(1, 2, 0)).permute(2, 0, 1)  # (N*C, H_out, W_out)
    indices = ((row - padding[0]) * W + (col - padding[1])).reshape(out.shape)  # (N, C, H_out, W_out)
    return out, indices


def maxpool2d_backward(grad_out, x, kernel_size, stride=None, padding=0):
    N, C, H, W = x.shape
    _, indices = maxpool2d_forward(x, kernel_size, stride, padding)
    plane = torch.arange(N * C)[:, None].expand(N * C, indices[0, 0].numel())  # (N*C, H_out*W_out)
    grad_x = torch.zeros(N * C, H * W, dtype=x.dtype)
    grad_x.index_put_((plane, indices.reshape(N * C, -1)), grad_out.reshape(N * C, -1), accumulate=True)
    return grad_x.reshape(N, C, H, W)  # (N, C, H, W)


def _divisor(x, kernel, stride, padding, count_include_pad):
    """(H_out, W_out): KH*KW, or the number of real values of each window."""
    real = _windows(torch.ones(1, 1, *x.shape[-2:], dtype=x.dtype), kernel, stride, padding, 0.0)
    real = real.sum(dim=-1)[0, 0]  # (H_out, W_out)
    if not count_include_pad:
        return torch.full_like(real, kernel[0] * kernel[1])
    return real


def avgpool2d_forward(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    kernel, stride, padding = _arguments(kernel_size, stride, padding)
    sums = _windows(x, kernel, stride, padding, 0.0).sum(dim=-1)  # (N, C, H_out, W_out)
    return sums / _divisor(x, kernel, stride, padding, count_include_pad)


def avgpool2d_backward(grad_out, x, kernel_size, stride=None, padding=0, count_include_pad=True):
    kernel, stride, padding = _arguments(kernel_size, stride, padding)
    N, C, H, W = x.shape
    PH, PW = padding
    rows, cols = _grid(H, W, kernel, stride, padding)  # (H_out, W_out, KH*KW) each
    share = grad_out / _divisor(x, kernel, stride, padding, count_include_pad)  # (N, C, H_out, W_out)
    canvas = torch.zeros(N, C, H + 2 * PH, W + 2 * PW, dtype=x.dtype)
    values = share[..., None].expand(N, C, *rows.shape)  # (N, C, H_out, W_out, KH*KW)
    flat = canvas.reshape(N * C, -1)  # (N*C, (H + 2PH) * (W + 2PW))
    where = (rows * (W + 2 * PW) + cols).reshape(-1)  # (H_out*W_out*K,)
    flat.index_add_(1, where, values.reshape(N * C, -1))
    grad_x = flat.reshape(N, C, H + 2 * PH, W + 2 * PW)[:, :, PH:PH + H, PW:PW + W]  # crop: padding's share dropped
    return grad_x.contiguous()
