"""Correct: one sigmoid for all four gates, tanh(z) as 2 * sigmoid(2z) - 1 for g; the biases summed;
the sequence indexed x[t] and the steps collected as h[None].

Written with the weights viewed as (4, H, in), one gate per index of that axis, the products by
torch.einsum and the gates unpacked with unbind; the cell update by torch.addcmul; the sequence by
torch.unbind over time, each step's h unsqueezed and joined with torch.cat (unlike the catalogue's
x @ weight.T, chunk and torch.stack)."""
import torch


def lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    hidden = weight_hh.shape[1]
    z = torch.einsum("ni,ghi->ngh", x, weight_ih.view(4, hidden, -1))  # (N, 4, H)
    z = z + torch.einsum("nj,ghj->ngh", h_prev, weight_hh.view(4, hidden, hidden))  # (N, 4, H)
    z = z + sum(b.view(4, hidden) for b in (bias_ih, bias_hh) if b is not None)  # a None bias adds nothing
    kinds = torch.tensor([1.0, 1.0, 2.0, 1.0], dtype=z.dtype)[:, None]  # (4, 1): tanh(z) = 2 sigmoid(2z) - 1
    a = torch.sigmoid(z * kinds) * kinds - (kinds - 1)  # (N, 4, H)
    return tuple(a.unbind(1))


def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    i, f, g, o = lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh)
    c = torch.addcmul(f * c_prev, i, g)  # (N, H)
    return o * c.tanh(), c


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    h, c = h0, c0
    steps = []
    for t in range(x.shape[0]):
        h, c = lstm_cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        steps += [h[None]]  # (1, N, H)
    return torch.cat(steps), (h, c)
