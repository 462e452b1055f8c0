"""Correct: gates by einsum over weights viewed as (4, H, in); lstm_forward projects the whole input sequence
at once (one einsum over T), then runs only the recurrent part step by step, without calling lstm_cell."""
import torch


def lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    hidden = h_prev.shape[1]
    z = torch.einsum("ni,khi->knh", x, weight_ih.reshape(4, hidden, -1))
    z = z + torch.einsum("nj,khj->knh", h_prev, weight_hh.reshape(4, hidden, hidden))
    for bias in (bias_ih, bias_hh):
        if bias is not None:
            z = z + bias.reshape(4, 1, hidden)
    i, f, g, o = z.unbind(0)
    return torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)


def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    i, f, g, o = lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh)
    c = f * c_prev + i * g
    return o * torch.tanh(c), c


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    hidden = h0.shape[1]
    projected = torch.einsum("tni,ki->tnk", x, weight_ih)  # (T, N, 4H): the input part of every step
    if bias_ih is not None:
        projected = projected + bias_ih
    if bias_hh is not None:
        projected = projected + bias_hh
    h, c, hs = h0, c0, []
    for step in projected:
        z = step + h @ weight_hh.T
        i = torch.sigmoid(z[:, :hidden])
        f = torch.sigmoid(z[:, hidden:2 * hidden])
        g = torch.tanh(z[:, 2 * hidden:3 * hidden])
        o = torch.sigmoid(z[:, 3 * hidden:])
        c = f * c + i * g
        h = o * torch.tanh(c)
        hs.append(h)
    return torch.stack(hs), (h, c)
