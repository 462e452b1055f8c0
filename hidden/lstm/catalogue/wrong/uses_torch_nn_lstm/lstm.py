"""Mistake: runs torch.nn.LSTM with the weights copied in, which grading.toml forbids."""
import torch


def lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    z = x @ weight_ih.T + h_prev @ weight_hh.T
    if bias_ih is not None:
        z = z + bias_ih
    if bias_hh is not None:
        z = z + bias_hh
    z_i, z_f, z_g, z_o = z.chunk(4, dim=1)
    return torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)


def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    i, f, g, o = lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh)
    c = f * c_prev + i * g
    h = o * torch.tanh(c)
    return h, c


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    module = torch.nn.LSTM(x.shape[2], h0.shape[1], bias=bias_ih is not None, dtype=x.dtype)
    with torch.no_grad():
        module.weight_ih_l0.copy_(weight_ih)
        module.weight_hh_l0.copy_(weight_hh)
        if bias_ih is not None:
            module.bias_ih_l0.copy_(bias_ih)
            module.bias_hh_l0.copy_(bias_hh if bias_hh is not None else torch.zeros_like(bias_ih))
    output, (h_n, c_n) = module(x, (h0[None], c0[None]))
    return output, (h_n[0], c_n[0])
