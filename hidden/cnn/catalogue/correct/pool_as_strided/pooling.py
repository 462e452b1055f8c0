"""Correct: windows as an as_strided view of the padded input, argmax over each flattened window; backward by
index_add_ into the padded plane, then cropped; the average's divisor from a padded mask of ones."""
import torch
import torch.nn.functional as F


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _check(kernel_size, stride, padding):
    (kh, kw), (ph, pw) = _pair(kernel_size), _pair(padding)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"padding {padding} is more than half of kernel_size {kernel_size}")
    return kh, kw, sh, sw, ph, pw


def _windows(t, kh, kw, sh, sw):
    """(N, C, H_out, W_out, KH, KW) view of the windows of a contiguous (N, C, Hp, Wp) tensor."""
    n, c, hp, wp = t.shape
    h_out, w_out = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    s = t.stride()
    return t.as_strided((n, c, h_out, w_out, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]))


def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    kh, kw, sh, sw, ph, pw = _check(kernel_size, stride, padding)
    n, c, h, w = x.shape
    padded = F.pad(x, (pw, pw, ph, ph), value=float("-inf")).contiguous()
    win = _windows(padded, kh, kw, sh, sw)
    flat = win.reshape(*win.shape[:4], kh * kw)
    out = flat.amax(dim=-1)
    first = flat.argmax(dim=-1)
    h_out, w_out = out.shape[2:]
    row = torch.arange(h_out).view(-1, 1) * sh + first // kw - ph
    col = torch.arange(w_out).view(1, -1) * sw + first % kw - pw
    return out, row * w + col


def maxpool2d_backward(grad_out, x, kernel_size, stride=None, padding=0):
    _check(kernel_size, stride, padding)
    n, c, h, w = x.shape
    _, indices = maxpool2d_forward(x, kernel_size, stride, padding)
    flat = torch.zeros(n * c, h * w, dtype=x.dtype)
    rows = torch.arange(n * c).repeat_interleave(indices[0, 0].numel())
    flat.index_put_((rows, indices.reshape(-1)), grad_out.reshape(-1), accumulate=True)
    return flat.view(n, c, h, w)


def _counts(h, w, kh, kw, sh, sw, ph, pw, dtype):
    mask = F.pad(torch.ones(1, 1, h, w, dtype=dtype), (pw, pw, ph, ph))
    return _windows(mask.contiguous(), kh, kw, sh, sw).sum(dim=(-1, -2))[0, 0]


def avgpool2d_forward(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    kh, kw, sh, sw, ph, pw = _check(kernel_size, stride, padding)
    padded = F.pad(x, (pw, pw, ph, ph)).contiguous()
    total = _windows(padded, kh, kw, sh, sw).sum(dim=(-1, -2))
    if count_include_pad:
        return total / (kh * kw)
    return total / _counts(*x.shape[2:], kh, kw, sh, sw, ph, pw, x.dtype)


def avgpool2d_backward(grad_out, x, kernel_size, stride=None, padding=0, count_include_pad=True):
    kh, kw, sh, sw, ph, pw = _check(kernel_size, stride, padding)
    n, c, h, w = x.shape
    divisor = kh * kw if count_include_pad else _counts(h, w, kh, kw, sh, sw, ph, pw, x.dtype)
    share = grad_out / divisor
    padded = torch.zeros(n, c, h + 2 * ph, w + 2 * pw, dtype=x.dtype)
    h_out, w_out = grad_out.shape[2:]
    for a in range(kh):
        for b in range(kw):
            padded[:, :, a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw] += share
    return padded[:, :, ph:ph + h, pw:pw + w].clone()
