"""A long short-term memory (LSTM) layer from scratch: the gates, one cell step, a whole sequence.

Conventions (the same as torch.nn.LSTMCell and a one-layer torch.nn.LSTM):
- Shapes: N batch size, I input features, H hidden units, T time steps.
- weight_ih is (4H, I), weight_hh is (4H, H), bias_ih and bias_hh are (4H,) or None.
- Their four row blocks of H rows are the gates in the order i, f, g, o (courses and libraries disagree):
  rows 0:H input gate i, rows H:2H forget gate f, rows 2H:3H cell candidate g, rows 3H:4H output gate o.
- Pre-activations: z = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh, shape (N, 4H).
- Activations: i = sigmoid(z_i), f = sigmoid(z_f), g = tanh(z_g), o = sigmoid(z_o).
- New state: c = f * c_prev + i * g, then h = o * tanh(c).
- A bias that is None counts as zeros; either one may be None on its own (bias_ih given, bias_hh None).
- Sequences are sequence-first: x is (T, N, I) and the output is (T, N, H), as torch.nn.LSTM's default.
- Outputs keep the dtype of x (float32 or float64); inputs are never modified (no in-place operations
  on them). Gradients come from autograd: everything you compute must stay differentiable with respect
  to every input and weight (no .detach(), .item(), .numpy() or torch.no_grad()).

Forbidden here: torch.nn.LSTM, torch.nn.LSTMCell, torch.nn.RNN*, torch.nn.GRU*, torch.lstm, torch.lstm_cell
and the other torch.*lstm*/*gru*/*rnn* functions, torch._VF, torch.ops, torch._C.
Allowed: everything else, torch.sigmoid, torch.tanh, matmul, cat, stack, chunk and Tensor.backward included.
"""
import torch


def lstm_gates(x, h_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """The four activated gates of one LSTM step.

    Args:
        x:         (N, I) input at this step.
        h_prev:    (N, H) hidden state of the previous step.
        weight_ih: (4H, I) input-to-hidden weights, row blocks in the order i, f, g, o.
        weight_hh: (4H, H) hidden-to-hidden weights, row blocks in the order i, f, g, o.
        bias_ih:   (4H,) or None (zeros).
        bias_hh:   (4H,) or None (zeros).

    Returns:
        (i, f, g, o), each (N, H): with z = x @ weight_ih.T + bias_ih + h_prev @ weight_hh.T + bias_hh,
        i = sigmoid(z[:, 0:H]), f = sigmoid(z[:, H:2H]), g = tanh(z[:, 2H:3H]), o = sigmoid(z[:, 3H:4H]).
    """
    i = f = g = o = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return i, f, g, o


def lstm_cell(x, h_prev, c_prev, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """One LSTM step, as torch.nn.LSTMCell holding these weights.

    Args:
        x:         (N, I) input at this step.
        h_prev:    (N, H) hidden state of the previous step.
        c_prev:    (N, H) cell state of the previous step.
        weight_ih: (4H, I), weight_hh: (4H, H), bias_ih: (4H,) or None, bias_hh: (4H,) or None, as in lstm_gates.

    Returns:
        (h, c), each (N, H): c = f * c_prev + i * g and h = o * tanh(c), with (i, f, g, o) from lstm_gates.
    """
    h = c = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return h, c


def lstm_forward(x, h0, c0, weight_ih, weight_hh, bias_ih=None, bias_hh=None):
    """A one-layer LSTM over a whole sequence, as torch.nn.LSTM(I, H) holding these weights.

    Args:
        x:         (T, N, I) the input sequence, sequence-first (x[t] is the batch's input at step t).
        h0:        (N, H) initial hidden state.
        c0:        (N, H) initial cell state.
        weight_ih: (4H, I), weight_hh: (4H, H), bias_ih: (4H,) or None, bias_hh: (4H,) or None, as in lstm_gates.

    Returns:
        (output, (h_n, c_n)): output (T, N, H) holds the hidden state h of every step (output[t] after x[t]);
        h_n and c_n, each (N, H), are the hidden and cell state after the last step (h_n equals output[-1]).
        The state (h, c) of each step is carried into the next one.
    """
    output = h_n = c_n = None
    # YOUR CODE HERE
    raise NotImplementedError()
    return output, (h_n, c_n)
