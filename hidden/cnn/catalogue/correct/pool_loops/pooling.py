"""Correct: explicit Python loops over the output positions and over each window's offsets (row-major, strict >
for the first maximum); backward loops over the windows and adds into grad_x."""
import torch


def _pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _args(kernel_size, stride, padding):
    k, p = _pair(kernel_size), _pair(padding)
    s = k if stride is None else _pair(stride)
    for d in range(2):
        if p[d] * 2 > k[d]:
            raise ValueError("pooling.py: padding may be at most half of kernel_size in each dimension")
    return k, s, p


def _windows(H, W, k, s, p):
    """For each output (i, j): the list of (row, col) of the window in unpadded coordinates (None for padding)."""
    H_out, W_out = (H + 2 * p[0] - k[0]) // s[0] + 1, (W + 2 * p[1] - k[1]) // s[1] + 1
    result = {}
    for i in range(H_out):
        for j in range(W_out):
            cells = []
            for a in range(k[0]):
                for b in range(k[1]):
                    r, c = i * s[0] + a - p[0], j * s[1] + b - p[1]
                    cells.append((r, c) if 0 <= r < H and 0 <= c < W else None)
            result[i, j] = cells
    return H_out, W_out, result


def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    k, s, p = _args(kernel_size, stride, padding)
    N, C, H, W = x.shape
    H_out, W_out, windows = _windows(H, W, k, s, p)
    out = torch.empty(N, C, H_out, W_out, dtype=x.dtype)
    indices = torch.empty(N, C, H_out, W_out, dtype=torch.int64)
    for (i, j), cells in windows.items():
        best = torch.full((N, C), -torch.inf, dtype=x.dtype)
        where = torch.zeros(N, C, dtype=torch.int64)
        for cell in cells:
            if cell is None:
                continue
            value = x[:, :, cell[0], cell[1]]
            better = value > best
            best = torch.where(better, value, best)
            where = torch.where(better, torch.full_like(where, cell[0] * W + cell[1]), where)
        out[:, :, i, j] = best
        indices[:, :, i, j] = where
    return out, indices


def maxpool2d_backward(grad_out, x, kernel_size, stride=None, padding=0):
    _args(kernel_size, stride, padding)
    N, C, H, W = x.shape
    _, indices = maxpool2d_forward(x, kernel_size, stride, padding)
    grad = torch.zeros(N, C, H * W, dtype=x.dtype)
    for i in range(indices.shape[2]):
        for j in range(indices.shape[3]):
            for n in range(N):
                for c in range(C):
                    grad[n, c, indices[n, c, i, j]] += grad_out[n, c, i, j]
    return grad.reshape(N, C, H, W)


def avgpool2d_forward(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    k, s, p = _args(kernel_size, stride, padding)
    N, C, H, W = x.shape
    H_out, W_out, windows = _windows(H, W, k, s, p)
    out = torch.zeros(N, C, H_out, W_out, dtype=x.dtype)
    for (i, j), cells in windows.items():
        real = [cell for cell in cells if cell is not None]
        total = sum(x[:, :, r, c] for r, c in real)
        out[:, :, i, j] = total / (k[0] * k[1] if count_include_pad else len(real))
    return out


def avgpool2d_backward(grad_out, x, kernel_size, stride=None, padding=0, count_include_pad=True):
    k, s, p = _args(kernel_size, stride, padding)
    N, C, H, W = x.shape
    _, _, windows = _windows(H, W, k, s, p)
    grad = torch.zeros(N, C, H, W, dtype=x.dtype)
    for (i, j), cells in windows.items():
        real = [cell for cell in cells if cell is not None]
        share = grad_out[:, :, i, j] / (k[0] * k[1] if count_include_pad else len(real))
        for r, c in real:
            grad[:, :, r, c] += share
    return grad
