"""Public test data, computed from the reference at release time (not released itself).

Prints one JSON object: small seeded cases with the reference's outputs, float64 as exact floats.
"""
import json

import torch
from conv import conv2d_backward, conv2d_forward
from receptive_field import conv_output_size, receptive_field

# (N, C_in, H, W), (C_out, KH, KW), stride, padding, bias
CONV_CASES = [
    ((1, 1, 4, 4), (1, 3, 3), 1, 0, False),
    ((2, 3, 5, 4), (2, 3, 2), 1, 1, True),
    ((2, 2, 7, 6), (3, 3, 3), (2, 1), (1, 0), True),
]
OUTPUT_SIZE_CASES = [(7, 3, 1, 0, 1), (7, 3, 2, 1, 1), (8, 3, 3, 0, 2), (5, 5, 1, 0, 1)]
OUTPUT_SIZE_ERRORS = [(2, 3, 1, 0, 1), (5, 3, 0, 0, 1)]
RF_CASES = [[], [(3, 1)], [(3, 1), (3, 1)], [(3, 2), (3, 2)], [(5, 1), (3, 2, 2), (2, 2)]]


def conv_case(x_shape, w_shape, stride, padding, with_bias, seed):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(*x_shape, generator=gen, dtype=torch.float64)
    weight = torch.randn(w_shape[0], x_shape[1], *w_shape[1:], generator=gen, dtype=torch.float64)
    bias = torch.randn(w_shape[0], generator=gen, dtype=torch.float64) if with_bias else None
    out = conv2d_forward(x, weight, bias, stride, padding)
    grad_out = torch.randn(out.shape, generator=gen, dtype=torch.float64)
    grad_x, grad_weight, grad_bias = conv2d_backward(grad_out, x, weight, stride, padding)
    return {
        "x": x.tolist(), "weight": weight.tolist(), "bias": None if bias is None else bias.tolist(),
        "stride": stride, "padding": padding, "out": out.tolist(), "grad_out": grad_out.tolist(),
        "grad_x": grad_x.tolist(), "grad_weight": grad_weight.tolist(), "grad_bias": grad_bias.tolist(),
    }


if __name__ == "__main__":
    print(json.dumps({
        "conv": [conv_case(*case, seed=i) for i, case in enumerate(CONV_CASES)],
        "output_size": [[list(args), conv_output_size(*args)] for args in OUTPUT_SIZE_CASES],
        "output_size_errors": [list(args) for args in OUTPUT_SIZE_ERRORS],
        "receptive_field": [[layers, receptive_field(layers)] for layers in RF_CASES],
    }))
