# Wrong: never raises the ValueError for a padding above half the kernel.
"""2-D max and average pooling, forward and backward, from scratch (no autograd).

Conventions (the same as torch.nn.functional.max_pool2d and avg_pool2d with ceil_mode=False, dilation 1):
- Shapes: N batch, C channels, H and W the input's height and width, H_out and W_out the output's.
- kernel_size, stride and padding are an int (the same for H and W) or a pair (for H, for W);
  stride=None means stride = kernel_size (non-overlapping windows).
- padding adds PH rows at the top and the bottom and PW columns at the left and the right. It may be at
  most half the kernel in each dimension (2 * PH <= KH and 2 * PW <= KW, as torch demands); anything
  larger is a ValueError from every function here (torch raises RuntimeError; this assignment says
  ValueError), so that every window holds at least one real input value.
- H_out = floor((H + 2*PH - KH) / SH) + 1 and W_out = floor((W + 2*PW - KW) / SW) + 1 (windows that would
  stick out past the padding are dropped: ceil_mode=False).
- Window (i, j) covers the padded rows i*SH ... i*SH + KH - 1 and columns j*SW ... j*SW + KW - 1.
- Max pooling: the padding counts as -inf (it never wins). On ties the FIRST maximum in row-major order of
  the window (top row first, left to right) wins. indices (int64, the shape of out) give the winner's
  position in the flattened H * W plane of the UNPADDED input: index = row * W + col.
- Average pooling: the window's sum divided by KH * KW (count_include_pad=True: the padding zeros count),
  or with count_include_pad=False by the number of real (non-padding) input values in the window.
- Backward: the gradients of L = sum(out * grad_out) with respect to x. Max pooling routes each grad_out
  value to the one input position that won its window; average pooling spreads it evenly, grad_out / divisor,
  over the window's real positions. Where windows overlap (stride < kernel), contributions add up.
- Outputs keep the dtype of x (float32 or float64); inputs are never modified. Inputs are finite.

Forbidden here: torch.nn.functional.*pool*, torch.nn.*Pool*, torch.*pool*, torch.autograd.* (torch.no_grad,
which is torch.autograd.no_grad, included), Tensor.backward, torch.func.*. Allowed: everything else, torch.nn.functional.unfold/fold, pad,
scatter_add and index_add included.
"""
import torch
import torch.nn.functional as F


def _pair(value):
    """Turn an int or an (int, int) into an (int, int)."""
    if isinstance(value, int):
        return value, value
    return tuple(value)


def _arguments(kernel_size, stride, padding):
    """(KH, KW), (SH, SW), (PH, PW) as int pairs; ValueError when the padding exceeds half the kernel."""
    (KH, KW), (PH, PW) = _pair(kernel_size), _pair(padding)
    SH, SW = (KH, KW) if stride is None else _pair(stride)
    return (KH, KW), (SH, SW), (PH, PW)


def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    """Max pooling, as torch.nn.functional.max_pool2d(x, kernel_size, stride, padding, return_indices=True).

    Args:
        x:           (N, C, H, W) input, finite.
        kernel_size: int or (KH, KW).
        stride:      int, (SH, SW) or None (= kernel_size).
        padding:     int or (PH, PW), -inf added on both sides; 2*PH <= KH and 2*PW <= KW, else ValueError.

    Returns:
        out:     (N, C, H_out, W_out), the dtype of x: out[n, c, i, j] = max_{a, b} x_pad[n, c, i*SH + a, j*SW + b].
        indices: (N, C, H_out, W_out), int64: the winner's flat index row * W + col in the unpadded H * W
                 plane; on ties the first maximum in row-major order of the window.
    """
    out = indices = None
    (KH, KW), (SH, SW), (PH, PW) = _arguments(kernel_size, stride, padding)
    N, C, H, W = x.shape
    H_out = (H + 2 * PH - KH) // SH + 1
    W_out = (W + 2 * PW - KW) // SW + 1
    x_pad = F.pad(x, (PW, PW, PH, PH), value=-torch.inf)  # (N, C, H + 2PH, W + 2PW)
    cols = F.unfold(x_pad.reshape(N * C, 1, H + 2 * PH, W + 2 * PW), (KH, KW), stride=(SH, SW))
    # cols: (N*C, KH*KW, H_out*W_out), the window offsets a*KW + b in row-major order
    out, offset = cols.max(dim=1)  # (N*C, H_out*W_out) each; max returns the first maximum on ties
    a, b = offset // KW, offset % KW  # the winner's row and column inside its window
    i = torch.arange(H_out).repeat_interleave(W_out)  # (H_out*W_out,) the window's output row
    j = torch.arange(W_out).repeat(H_out)  # (H_out*W_out,) the window's output column
    rows, cols_ = i * SH - PH + a, j * SW - PW + b  # unpadded coordinates of the winner
    out = out.reshape(N, C, H_out, W_out)  # (N, C, H_out, W_out)
    indices = (rows * W + cols_).reshape(N, C, H_out, W_out)  # (N, C, H_out, W_out), int64
    return out, indices


def maxpool2d_backward(grad_out, x, kernel_size, stride=None, padding=0):
    """Backward pass of maxpool2d_forward, without autograd.

    Args:
        grad_out:    (N, C, H_out, W_out), dL/dout.
        x:           (N, C, H, W), the forward input.
        kernel_size, stride, padding: as in maxpool2d_forward (the same ValueError).

    Returns:
        grad_x: (N, C, H, W), the dtype of x: grad_x.flatten(2)[n, c, indices[n, c, i, j]] += grad_out[n, c, i, j]
                for every window (i, j), with indices from maxpool2d_forward; zero where nothing won.
    """
    grad_x = None
    _arguments(kernel_size, stride, padding)
    N, C, H, W = x.shape
    _, indices = maxpool2d_forward(x, kernel_size, stride, padding)
    grad_x = torch.zeros(N, C, H * W, dtype=x.dtype)  # (N, C, H*W)
    grad_x.scatter_add_(2, indices.flatten(2), grad_out.flatten(2))  # overlapping windows accumulate
    grad_x = grad_x.reshape(N, C, H, W)  # (N, C, H, W)
    return grad_x


def _divisor(x, kernel, stride, padding, count_include_pad):
    """(H_out*W_out,) the divisor of each window: KH*KW, or the number of real values in it."""
    KH, KW = kernel
    H, W = x.shape[-2:]
    ones = torch.ones(1, 1, H, W, dtype=x.dtype)
    counts = F.unfold(ones, kernel, padding=padding, stride=stride).sum(dim=1)[0]  # (H_out*W_out,)
    if count_include_pad:
        return torch.full_like(counts, KH * KW)
    return counts


def avgpool2d_forward(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Average pooling, as torch.nn.functional.avg_pool2d(x, kernel_size, stride, padding,
    count_include_pad=count_include_pad).

    Args:
        x:                 (N, C, H, W) input.
        kernel_size:       int or (KH, KW).
        stride:            int, (SH, SW) or None (= kernel_size).
        padding:           int or (PH, PW), zeros added on both sides; 2*PH <= KH and 2*PW <= KW, else ValueError.
        count_include_pad: True: divide by KH * KW; False: by the number of real (non-padding) values in the window.

    Returns:
        out: (N, C, H_out, W_out), the dtype of x:
             out[n, c, i, j] = sum_{a, b} x_pad[n, c, i*SH + a, j*SW + b] / divisor.
    """
    out = None
    kernel, stride, padding = _arguments(kernel_size, stride, padding)
    N, C, H, W = x.shape
    H_out = (H + 2 * padding[0] - kernel[0]) // stride[0] + 1
    W_out = (W + 2 * padding[1] - kernel[1]) // stride[1] + 1
    cols = F.unfold(x.reshape(N * C, 1, H, W), kernel, padding=padding, stride=stride)  # (N*C, KH*KW, H_out*W_out)
    out = cols.sum(dim=1) / _divisor(x, kernel, stride, padding, count_include_pad)  # (N*C, H_out*W_out)
    out = out.reshape(N, C, H_out, W_out)  # (N, C, H_out, W_out)
    return out


def avgpool2d_backward(grad_out, x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Backward pass of avgpool2d_forward, without autograd.

    Args:
        grad_out: (N, C, H_out, W_out), dL/dout.
        x:        (N, C, H, W), the forward input (only its shape and dtype matter).
        kernel_size, stride, padding, count_include_pad: as in avgpool2d_forward (the same ValueError).

    Returns:
        grad_x: (N, C, H, W), the dtype of x: each grad_out[n, c, i, j] / divisor added to every real input
                position of window (i, j); the padding's share is dropped.
    """
    grad_x = None
    kernel, stride, padding = _arguments(kernel_size, stride, padding)
    N, C, H, W = x.shape
    share = grad_out.reshape(N * C, 1, -1) / _divisor(x, kernel, stride, padding, count_include_pad)
    cols = share.expand(N * C, kernel[0] * kernel[1], share.shape[-1])  # (N*C, KH*KW, H_out*W_out)
    grad_x = F.fold(cols, (H, W), kernel, padding=padding, stride=stride)  # (N*C, 1, H, W), overlaps added
    grad_x = grad_x.reshape(N, C, H, W)  # (N, C, H, W)
    return grad_x
