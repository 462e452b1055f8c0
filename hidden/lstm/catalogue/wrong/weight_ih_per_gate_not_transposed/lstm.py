"""Mistake: slices the weights per gate and multiplies x by weight_ih's (H, I) block without transposing it: runs only when I == H, and then gives wrong values."""
import torch


def lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    hidden = h_prev.shape[1]
    blocks = [x @ weight_ih[k * hidden:(k + 1) * hidden] + h_prev @ weight_hh[k * hidden:(k + 1) * hidden].T
              for k in range(4)]
    z = torch.cat(blocks, dim=1)
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
    h, c = h0, c0
    outputs = []
    for t in range(x.shape[0]):
        h, c = lstm_cell(x[t], h, c, weight_ih, weight_hh, bias_ih, bias_hh)
        outputs.append(h)
    return torch.stack(outputs), (h, c)
