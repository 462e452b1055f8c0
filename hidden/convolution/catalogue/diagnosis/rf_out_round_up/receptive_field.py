"""Variant of rf_output_size_ceil: the division by the stride rounds up.

Written with the room left after the first window and the list of jumps (itertools.accumulate),
unlike the catalogue's loops."""
import itertools
import operator


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    if size < 1 or kernel_size < 1 or stride < 1 or dilation < 1:
        raise ValueError("size, kernel_size, stride and dilation must all be at least 1")
    if padding < 0:
        raise ValueError("padding cannot be negative")
    room = size + padding + padding - (kernel_size - 1) * dilation - 1  # pixels left after the first window
    if room < 0:
        raise ValueError("the dilated kernel does not fit in the padded input")
    return -(-room // stride) + 1


def _layers(layers):
    """Each layer as (kernel, stride, dilation)."""
    return [(layer[0], layer[1], layer[2] if len(layer) == 3 else 1) for layer in layers]


def receptive_field(layers):
    layers = _layers(layers)
    jumps = [1, *itertools.accumulate((s for _, s, _ in layers), operator.mul)][:len(layers)]
    return 1 + sum(d * (k - 1) * j for (k, _, d), j in zip(layers, jumps))
