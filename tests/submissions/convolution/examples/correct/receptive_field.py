"""A correct submission of receptive_field.py."""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    if size < 1 or kernel_size < 1 or stride < 1 or dilation < 1 or padding < 0:
        raise ValueError("size, kernel_size, stride and dilation must be >= 1 and padding >= 0")
    effective = dilation * (kernel_size - 1) + 1
    if effective > size + 2 * padding:
        raise ValueError(f"kernel of extent {effective} does not fit in {size} + 2*{padding}")
    return (size + 2 * padding - effective) // stride + 1


def receptive_field(layers):
    field, step = 1, 1
    for layer in layers:
        k, s = layer[0], layer[1]
        d = layer[2] if len(layer) > 2 else 1
        field += d * (k - 1) * step
        step *= s
    return field
