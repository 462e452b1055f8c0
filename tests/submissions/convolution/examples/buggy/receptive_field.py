"""A buggy submission: conv_output_size forgets the dilation."""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    if min(size, kernel_size, stride, dilation) < 1 or padding < 0:
        raise ValueError("arguments out of range")
    out = (size + 2 * padding - kernel_size) // stride + 1
    if out < 1:
        raise ValueError("the kernel does not fit in the padded input")
    return out


def receptive_field(layers):
    rf, jump = 1, 1
    for layer in layers:
        k, s, d = (list(layer) + [1])[:3]
        rf += d * (k - 1) * jump
        jump *= s
    return rf
