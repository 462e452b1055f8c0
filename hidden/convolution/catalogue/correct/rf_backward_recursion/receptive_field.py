"""Correct: output length by counting window starts with range(); receptive field by a recursion from the output back to the input."""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    checks = {"size": (size, 1), "kernel_size": (kernel_size, 1), "stride": (stride, 1),
              "padding": (padding, 0), "dilation": (dilation, 1)}
    for name, (value, low) in checks.items():
        if value < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
    span = dilation * (kernel_size - 1) + 1
    starts = range(0, size + 2 * padding - span + 1, stride)  # first index of every window
    if len(starts) == 0:
        raise ValueError(f"a kernel spanning {span} does not fit in {size} + 2*{padding} inputs")
    return len(starts)


def receptive_field(layers):
    layers = [tuple(layer) + (1,) * (3 - len(layer)) for layer in layers]
    r = 1  # the field of one unit of the last layer, measured in units of the current layer
    for kernel, stride, dilation in reversed(layers):
        # r neighbouring units of a layer's output read (r - 1) * stride + dilated kernel units of its input
        r = (r - 1) * stride + dilation * (kernel - 1) + 1
    return r
