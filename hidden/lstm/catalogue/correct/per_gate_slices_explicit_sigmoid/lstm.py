"""Correct: one matmul per gate on row slices of the weights, sigmoid written as 1 / (1 + exp(-z)) and tanh as
2 * sigmoid(2z) - 1; the sequence by recursion over the time steps, output built with torch.cat."""
import torch


def _sigmoid(z):
    return 1.0 / (1.0 + torch.exp(-z))


def _tanh(z):
    return 2.0 * _sigmoid(2.0 * z) - 1.0


def lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    hidden = h_prev.shape[1]
    pre = []
    for k in range(4):
        rows = slice(k * hidden, (k + 1) * hidden)
        z = torch.matmul(x, weight_ih[rows].transpose(0, 1)) + torch.matmul(h_prev, weight_hh[rows].transpose(0, 1))
        if bias_ih is not None:
            z = z + bias_ih[rows]
        if bias_hh is not None:
            z = z + bias_hh[rows]
        pre.append(z)
    return _sigmoid(pre[0]), _sigmoid(pre[1]), _tanh(pre[2]), _sigmoid(pre[3])


def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    gates = lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih, bias_hh)
    c = gates[1] * c_prev + gates[0] * gates[2]
    h = gates[3] * _tanh(c)
    return h, c


def _run(x, h, c, weights):
    h, c = lstm_cell(x[0], h, c, *weights)
    if x.shape[0] == 1:
        return h.unsqueeze(0), (h, c)
    rest, final = _run(x[1:], h, c, weights)
    return torch.cat([h.unsqueeze(0), rest], dim=0), final


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    return _run(x, h0, c0, (weight_ih, weight_hh, bias_ih, bias_hh))
