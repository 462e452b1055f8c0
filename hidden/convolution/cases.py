"""Case tables and input builders shared by the hidden convolution tests (trusted side only)."""
import torch

# (N, C_in, H, W), (C_out, KH, KW), stride, padding, bias: every argument at its boundary values,
# non-square everything, batch and channel sizes of 1, strides that leave a remainder.
CONV_CASES = [
    ((1, 1, 1, 1), (1, 1, 1), 1, 0, True),            # all ones
    ((2, 3, 5, 5), (4, 3, 3), 1, 0, True),            # the textbook case
    ((2, 3, 7, 5), (4, 3, 2), 1, 1, True),            # non-square input and kernel
    ((3, 1, 9, 8), (1, 5, 3), 2, 2, True),            # stride with a remainder, C = 1
    ((2, 3, 8, 9), (4, 2, 4), (3, 2), (1, 2), True),  # different stride and padding per axis
    ((1, 3, 6, 7), (4, 3, 3), (1, 3), (2, 0), False), # no bias
    ((2, 1, 4, 4), (3, 4, 4), 1, 0, True),            # kernel as large as the input: 1x1 output
    ((2, 3, 3, 3), (4, 5, 5), 1, 2, True),            # kernel larger than the input, padding makes it fit
    ((1, 3, 9, 9), (4, 3, 3), 3, 1, True),            # stride 3
    ((2, 3, 5, 6), (4, 1, 1), 2, 0, True),            # 1x1 kernel, stride 2
    ((3, 3, 8, 7), (1, 3, 5), (2, 3), 1, False),      # C_out = 1, no bias
    ((2, 3, 5, 5), (4, 3, 3), 1, 0, False),           # no bias, every other argument at its default
]
DTYPES = [torch.float32, torch.float64]


def case_id(case) -> str:
    x, w, stride, padding, bias = case
    return f"x{x}-w{w}-s{stride}-p{padding}" + ("" if bias else "-nobias")


def conv_inputs(case, dtype, seed):
    """x, weight, bias and grad_out for one case, drawn from a seeded generator."""
    (n, c_in, h, w), (c_out, kh, kw), stride, padding, with_bias = case
    gen = torch.Generator().manual_seed(seed)
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    h_out, w_out = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    return {
        "x": torch.randn(n, c_in, h, w, generator=gen).to(dtype),
        "weight": torch.randn(c_out, c_in, kh, kw, generator=gen).to(dtype),
        "bias": torch.randn(c_out, generator=gen).to(dtype) if with_bias else None,
        "grad_out": torch.randn(n, c_out, h_out, w_out, generator=gen).to(dtype),
        "stride": stride, "padding": padding,
    }
