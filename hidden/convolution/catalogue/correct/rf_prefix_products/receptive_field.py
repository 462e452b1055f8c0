"""Correct: output length with divmod after validation; receptive field as the closed-form sum with explicit prefix products of the strides."""
import math


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    bad = [name for name, value, low in (("size", size, 1), ("kernel_size", kernel_size, 1),
                                          ("stride", stride, 1), ("padding", padding, 0),
                                          ("dilation", dilation, 1)) if value < low]
    if bad:
        raise ValueError(f"out of range: {', '.join(bad)}")
    room = size + 2 * padding - dilation * (kernel_size - 1) - 1  # how far the window can slide
    if room < 0:
        raise ValueError("kernel_size (dilated) is larger than the padded input")
    steps, _ = divmod(room, stride)
    return steps + 1


def receptive_field(layers):
    kernels = [layer[0] for layer in layers]
    strides = [layer[1] for layer in layers]
    dilations = [layer[2] if len(layer) == 3 else 1 for layer in layers]
    return 1 + sum(d * (k - 1) * math.prod(strides[:l])
                   for l, (k, d) in enumerate(zip(kernels, dilations)))
