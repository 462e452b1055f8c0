"""Receptive-field arithmetic for stacks of convolutions.

Conventions:
- All arguments are Python ints; results are Python ints.
- conv_output_size: out = floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1,
  the formula of torch.nn.Conv2d's documentation, for one spatial axis.
- receptive_field: layers are listed from the input to the output. Layer l is
  (kernel_size, stride) or (kernel_size, stride, dilation), dilation 1 when left out.
  RF = 1 + sum_l dilation_l * (kernel_l - 1) * prod_{j<l} stride_j, and an empty stack gives 1.
"""


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Length of a convolution's output along one axis.

    Args:
        size:        int >= 1, the input length.
        kernel_size: int >= 1.
        stride:      int >= 1.
        padding:     int >= 0, added on both sides.
        dilation:    int >= 1, the spacing between kernel taps.

    Returns:
        int: floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1.

    Raises:
        ValueError: when an argument is out of range, or when the (dilated) kernel does not fit
            in the padded input (the result would be < 1). The message names the argument.
    """
    ### BEGIN SOLUTION
    for name, value, low in [("size", size, 1), ("kernel_size", kernel_size, 1),
                             ("stride", stride, 1), ("padding", padding, 0), ("dilation", dilation, 1)]:
        if value < low:
            raise ValueError(f"{name} must be >= {low}, got {value}")
    span = dilation * (kernel_size - 1) + 1
    if span > size + 2 * padding:
        raise ValueError(f"the dilated kernel ({span}) is larger than the padded input ({size + 2 * padding})")
    return (size + 2 * padding - span) // stride + 1
    ### END SOLUTION


def receptive_field(layers):
    """Side of the input region that one unit of the last layer sees.

    Args:
        layers: a sequence of (kernel_size, stride) or (kernel_size, stride, dilation) tuples,
            from the input to the output.

    Returns:
        int: 1 + sum_l dilation_l * (kernel_l - 1) * prod_{j<l} stride_j (1 for no layers).
    """
    ### BEGIN SOLUTION
    rf, jump = 1, 1  # jump: distance in input pixels between neighbouring units of the current layer
    for layer in layers:
        kernel, stride, dilation = (tuple(layer) + (1,))[:3]
        rf += dilation * (kernel - 1) * jump
        jump *= stride
    return rf
    ### END SOLUTION
