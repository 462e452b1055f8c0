"""Mistake: validates with assert, so bad arguments raise AssertionError instead of ValueError."""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    assert size >= 1, "size must be >= 1"
    assert kernel_size >= 1, "kernel_size must be >= 1"
    assert stride >= 1, "stride must be >= 1"
    assert padding >= 0, "padding must be >= 0"
    assert dilation >= 1, "dilation must be >= 1"
    effective_kernel = dilation * (kernel_size - 1) + 1
    padded = size + 2 * padding
    assert effective_kernel <= padded, "the kernel does not fit in the padded input"
    return (padded - effective_kernel) // stride + 1


def receptive_field(layers):
    rf = 1
    jump = 1  # input pixels between two neighbouring units of the current layer
    for layer in layers:
        if len(layer) == 3:
            kernel, stride, dilation = layer
        else:
            kernel, stride = layer
            dilation = 1
        rf += dilation * (kernel - 1) * jump
        jump *= stride
    return rf
