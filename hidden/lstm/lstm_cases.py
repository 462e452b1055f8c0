"""Case tables and input builders shared by the hidden lstm tests (trusted side only).

Weights are drawn so that every gate and every activation matters: each gate's row block has its own scale
and both biases have a different offset per block, so that no permutation of the blocks, no swapped
activation and no dropped bias leaves the values unchanged; pre-activations stay mostly in (-3, 3), where
sigmoid and tanh are far from saturated. Inputs and states are not near 0, and I != H, T != N in most cases;
the SATURATED cases alone scale x so that every gate is saturated.
"""
import math

import torch

GATES = ("i", "f", "g", "o")
DTYPES = [torch.float32, torch.float64]
BLOCK_SCALE = (0.7, 1.3, 0.9, 1.6)  # the spread of each gate block's weights, in the order i, f, g, o
BIAS_IH_OFFSET = (0.4, -0.6, 0.3, 0.8)
BIAS_HH_OFFSET = (-0.3, 0.9, -0.7, 0.2)
BIAS_MODES = {  # which biases a case passes: the others are None
    "both": ("bias_ih", "bias_hh"), "nobias": (), "ih_only": ("bias_ih",), "hh_only": ("bias_hh",)}
BIAS_ARGS = {  # how a case's call reads, for the messages
    "both": ", bias_ih, bias_hh", "nobias": "", "ih_only": ", bias_ih, bias_hh=None",
    "hh_only": ", bias_ih=None, bias_hh"}

# one step: (N, I, H, biases)
STEP_CASES = [
    (3, 4, 5, "both"),     # the usual case, I != H
    (1, 3, 2, "both"),     # batch size 1
    (4, 6, 6, "both"),     # I == H: a forgotten transpose of weight_ih runs here
    (2, 5, 3, "nobias"),   # no biases: the default arguments
    (5, 2, 4, "ih_only"),  # bias_ih given, bias_hh None
    (3, 3, 2, "hh_only"),  # bias_hh given, bias_ih None
    (2, 1, 7, "both"),     # a single input feature
    (3, 4, 1, "both"),     # hidden size 1: each gate block is one row
]

# a sequence: (T, N, I, H, biases)
SEQ_CASES = [
    (5, 3, 4, 6, "both"),     # T != N, I != H
    (1, 1, 3, 2, "both"),     # one step, batch size 1
    (7, 1, 5, 3, "both"),     # a long sequence, batch size 1
    (3, 3, 4, 2, "both"),     # T == N: a swapped time and batch axis keeps the shapes
    (4, 2, 3, 3, "both"),     # I == H
    (3, 5, 2, 4, "nobias"),   # no biases: the default arguments
    (6, 2, 4, 5, "ih_only"),  # bias_ih given, bias_hh None
    (2, 4, 6, 3, "hh_only"),  # bias_hh given, bias_ih None
    (4, 3, 2, 1, "both"),     # hidden size 1: each gate block is one row, h and c are (N, 1)
]

# saturated gates: x scaled by SATURATION, so that pre-activations reach the thousands, past where exp overflows
# (about 89 in float32, 710 in float64); there torch's sigmoid is exactly 0 or 1 and tanh exactly -1 or 1
SATURATION = 1000.0
SATURATED_STEP_CASES = [(3, 4, 5, "both"), (1, 3, 2, "hh_only")]
SATURATED_SEQ_CASES = [(4, 2, 3, 5, "both")]


def step_id(case) -> str:
    n, i, h, bias = case
    return f"N{n}-I{i}-H{h}-{bias}"


def seq_id(case) -> str:
    t, n, i, h, bias = case
    return f"T{t}-N{n}-I{i}-H{h}-{bias}"


def weights(input_size, hidden, biases, dtype, gen):
    """weight_ih (4H, I), weight_hh (4H, H), bias_ih and bias_hh (4H,) or None."""
    scale = torch.tensor(BLOCK_SCALE, dtype=torch.float64).repeat_interleave(hidden)[:, None]
    weight_ih = torch.randn(4 * hidden, input_size, generator=gen, dtype=torch.float64) * scale
    weight_hh = torch.randn(4 * hidden, hidden, generator=gen, dtype=torch.float64) * scale
    weight_ih, weight_hh = weight_ih / math.sqrt(input_size), weight_hh / math.sqrt(hidden)
    out = {"weight_ih": weight_ih.to(dtype), "weight_hh": weight_hh.to(dtype)}
    for name, offsets in (("bias_ih", BIAS_IH_OFFSET), ("bias_hh", BIAS_HH_OFFSET)):
        noise = 0.3 * torch.randn(4 * hidden, generator=gen, dtype=torch.float64)
        value = torch.tensor(offsets, dtype=torch.float64).repeat_interleave(hidden) + noise
        out[name] = value.to(dtype) if name in BIAS_MODES[biases] else None
    return out


def state(n, hidden, dtype, gen):
    """h (N, H) in (-1, 1) and c (N, H) of either sign, both away from 0."""
    h = torch.tanh(2 * torch.randn(n, hidden, generator=gen, dtype=torch.float64))
    c = 1.5 * torch.randn(n, hidden, generator=gen, dtype=torch.float64)
    return h.to(dtype), c.to(dtype)


def step_inputs(case, dtype, seed, with_cell=True):
    """x, h_prev (and c_prev) and the weights of one step."""
    n, input_size, hidden, biases = case
    gen = torch.Generator().manual_seed(seed)
    out = {"x": torch.randn(n, input_size, generator=gen, dtype=torch.float64).to(dtype)}
    out["h_prev"], c_prev = state(n, hidden, dtype, gen)
    if with_cell:
        out["c_prev"] = c_prev
    return out | weights(input_size, hidden, biases, dtype, gen)


def seq_inputs(case, dtype, seed, with_upstream=False):
    """x (T, N, I), h0, c0, the weights, and with_upstream the loss weights grad_output, grad_h_n, grad_c_n."""
    t, n, input_size, hidden, biases = case
    gen = torch.Generator().manual_seed(seed)
    out = {"x": torch.randn(t, n, input_size, generator=gen, dtype=torch.float64).to(dtype)}
    out["h0"], out["c0"] = state(n, hidden, dtype, gen)
    out |= weights(input_size, hidden, biases, dtype, gen)
    if with_upstream:
        for name, shape in (("grad_output", (t, n, hidden)), ("grad_h_n", (n, hidden)), ("grad_c_n", (n, hidden))):
            out[name] = torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)
    return out


def grad_names(case) -> list[str]:
    """The tensors of a sequence case that get a gradient: x, h0, c0, the weights and the biases given."""
    return ["x", "h0", "c0", "weight_ih", "weight_hh", *BIAS_MODES[case[-1]]]
