"""Mistake: never validates its arguments, so out-of-range input gives a number (or ZeroDivisionError) instead of ValueError."""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    effective_kernel = dilation * (kernel_size - 1) + 1
    padded = size + 2 * padding
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
