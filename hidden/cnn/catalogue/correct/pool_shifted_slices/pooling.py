"""Correct: one strided slice of the padded input per kernel offset (a, b), visited in row-major order; max keeps
a running best with strict >, backward adds grad_out into the winners through one-hot masks of each offset."""
import math

import torch


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _setup(x, kernel_size, stride, padding):
    kh, kw = _pair(kernel_size)
    ph, pw = _pair(padding)
    sh, sw = (kh, kw) if stride is None else _pair(stride)
    if not (2 * ph <= kh and 2 * pw <= kw):
        raise ValueError("padding must not exceed kernel_size / 2")
    n, c, h, w = x.shape
    h_out, w_out = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    return kh, kw, sh, sw, ph, pw, h_out, w_out


def _pad(x, ph, pw, value):
    n, c, h, w = x.shape
    out = torch.full((n, c, h + 2 * ph, w + 2 * pw), value, dtype=x.dtype)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _offset(t, a, b, sh, sw, h_out, w_out):
    return t[:, :, a:a + sh * (h_out - 1) + 1:sh, b:b + sw * (w_out - 1) + 1:sw]


def maxpool2d_forward(x, kernel_size, stride=None, padding=0):
    kh, kw, sh, sw, ph, pw, h_out, w_out = _setup(x, kernel_size, stride, padding)
    w = x.shape[3]
    padded = _pad(x, ph, pw, -math.inf)
    rows = torch.arange(h_out).view(-1, 1) * sh - ph
    cols = torch.arange(w_out).view(1, -1) * sw - pw
    best = indices = None
    for a in range(kh):
        for b in range(kw):
            value = _offset(padded, a, b, sh, sw, h_out, w_out)
            index = ((rows + a) * w + cols + b).expand(value.shape)
            if best is None:
                best, indices = value.clone(), index.clone()
            else:
                better = value > best
                best = torch.where(better, value, best)
                indices = torch.where(better, index, indices)
    return best, indices


def maxpool2d_backward(grad_out, x, kernel_size, stride=None, padding=0):
    kh, kw, sh, sw, ph, pw, h_out, w_out = _setup(x, kernel_size, stride, padding)
    n, c, h, w = x.shape
    _, indices = maxpool2d_forward(x, kernel_size, stride, padding)
    rows = torch.arange(h_out).view(-1, 1) * sh - ph
    cols = torch.arange(w_out).view(1, -1) * sw - pw
    grad = torch.zeros(n, c, h + 2 * ph, w + 2 * pw, dtype=x.dtype)
    for a in range(kh):
        for b in range(kw):
            won = indices == (rows + a) * w + cols + b
            _offset(grad, a, b, sh, sw, h_out, w_out).add_(torch.where(won, grad_out, torch.zeros_like(grad_out)))
    return grad[:, :, ph:ph + h, pw:pw + w].contiguous()


def _divisor(x, kh, kw, sh, sw, ph, pw, h_out, w_out, count_include_pad):
    if count_include_pad:
        return float(kh * kw)
    ones = _pad(torch.ones(1, 1, *x.shape[2:], dtype=x.dtype), ph, pw, 0.0)
    return sum(_offset(ones, a, b, sh, sw, h_out, w_out) for a in range(kh) for b in range(kw))


def avgpool2d_forward(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    kh, kw, sh, sw, ph, pw, h_out, w_out = _setup(x, kernel_size, stride, padding)
    padded = _pad(x, ph, pw, 0.0)
    total = sum(_offset(padded, a, b, sh, sw, h_out, w_out) for a in range(kh) for b in range(kw))
    return total / _divisor(x, kh, kw, sh, sw, ph, pw, h_out, w_out, count_include_pad)


def avgpool2d_backward(grad_out, x, kernel_size, stride=None, padding=0, count_include_pad=True):
    kh, kw, sh, sw, ph, pw, h_out, w_out = _setup(x, kernel_size, stride, padding)
    n, c, h, w = x.shape
    share = grad_out / _divisor(x, kh, kw, sh, sw, ph, pw, h_out, w_out, count_include_pad)
    grad = torch.zeros(n, c, h + 2 * ph, w + 2 * pw, dtype=x.dtype)
    for a in range(kh):
        for b in range(kw):
            _offset(grad, a, b, sh, sw, h_out, w_out).add_(share)
    return grad[:, :, ph:ph + h, pw:pw + w].contiguous()
