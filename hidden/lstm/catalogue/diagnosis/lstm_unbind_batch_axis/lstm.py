"""Variant of forward_batch_first: x unbound along axis 1 and the steps joined along axis 1.

Written with the weights viewed as (4, H, in), one gate per index of that axis, the products by
torch.einsum and the gates unpacked with unbind; the cell update by torch.addcmul; the sequence by
torch.unbind over time, each step's h unsqueezed and joined with torch.cat (unlike the catalogue's
x @ weight.T, chunk and torch.stack)."""
import torch


def lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    hidden = weight_hh.shape[1]
    z = torch.einsum("ni,ghi->ngh", x, weight_ih.view(4, hidden, -1))  # (N, 4, H)
    z = z + torch.einsum("nj,ghj->ngh", h_prev, weight_hh.view(4, hidden, hidden))  # (N, 4, H)
    for bias in (bias_ih, bias_hh):
        if bias is not None:
            z = z + bias.view(4, hidden)  # (4, H), broadcast over N
    z_i, z_f, z_g, z_o = z.unbind(1)  # each (N, H), the order i, f, g, o
    return torch.sigmoid(z_i), torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)


def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    i, f, g, o = lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh)
    c = torch.addcmul(f * c_prev, i, g)  # (N, H)
    return o * c.tanh(), c


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    h, c = h0, c0
    steps = []
    for x_n in x.unbind(1):  # x_n: (T, I), read as one step
        h, c = lstm_cell(x_n, h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        steps.append(h.unsqueeze(1))
    return torch.cat(steps, dim=1), (h, c)
