"""A buggy submission: the forward pass is right, the backward pass averages grad_bias over the batch
and ignores the stride when it sends gradients back to x."""
import torch


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def conv2d_forward(x, weight, bias=None, stride=1, padding=0):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    n, _, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    x = torch.nn.functional.pad(x, (pw, pw, ph, ph))
    h_out = (h + 2 * ph - kh) // sh + 1
    w_out = (w + 2 * pw - kw) // sw + 1
    out = torch.zeros(n, c_out, h_out, w_out, dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, :, i, j] = (window[:, None] * weight[None]).sum(dim=(2, 3, 4))
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out


def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    _, _, h, w = x.shape
    _, _, kh, kw = weight.shape
    xp = torch.nn.functional.pad(x, (pw, pw, ph, ph))
    grad_xp = torch.zeros_like(xp)
    grad_weight = torch.zeros_like(weight)
    for i in range(grad_out.shape[2]):
        for j in range(grad_out.shape[3]):
            g = grad_out[:, :, i, j]
            window = xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            grad_weight += (g[:, :, None, None, None] * window[:, None]).sum(dim=0)
            grad_xp[:, :, i:i + kh, j:j + kw] += (g[:, :, None, None, None] * weight[None]).sum(dim=1)
    grad_bias = grad_out.mean(dim=(0, 2, 3)) * grad_out.shape[2] * grad_out.shape[3]
    return grad_xp[:, :, ph:ph + h, pw:pw + w], grad_weight, grad_bias
