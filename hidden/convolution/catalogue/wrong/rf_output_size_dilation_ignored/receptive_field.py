"""Mistake: ignores the dilation and uses kernel_size as the kernel's span."""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    if kernel_size < 1:
        raise ValueError(f"kernel_size must be >= 1, got {kernel_size}")
    if stride < 1:
        raise ValueError(f"stride must be >= 1, got {stride}")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}")
    if dilation < 1:
        raise ValueError(f"dilation must be >= 1, got {dilation}")
    effective_kernel = kernel_size
    padded = size + 2 * padding
    if effective_kernel > padded:
        raise ValueError(f"the kernel ({effective_kernel}) does not fit in the padded input ({padded})")
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
