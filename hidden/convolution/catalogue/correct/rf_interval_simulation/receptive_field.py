"""Correct: output length by sliding a window step by step; receptive field by tracking the input index interval one output unit reads."""


def _check(name, value, low):
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    _check("size", size, 1)
    _check("kernel_size", kernel_size, 1)
    _check("stride", stride, 1)
    _check("padding", padding, 0)
    _check("dilation", dilation, 1)
    padded = size + 2 * padding
    last_tap = dilation * (kernel_size - 1)  # offset of the last kernel tap from the first
    count, start = 0, 0
    while start + last_tap < padded:
        count += 1
        start += stride
    if count == 0:
        raise ValueError("the dilated kernel does not fit in the padded input")
    return count


def receptive_field(layers):
    lo = hi = 0  # indices, in the current layer, of the units one output unit depends on
    for layer in reversed(list(layers)):
        kernel, stride = layer[0], layer[1]
        dilation = layer[2] if len(layer) > 2 else 1
        # unit u of a layer's output reads inputs u*stride, u*stride + dilation, ..., u*stride + dilation*(kernel-1)
        lo, hi = lo * stride, hi * stride + dilation * (kernel - 1)
    return hi - lo + 1
