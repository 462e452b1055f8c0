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
    # YOUR CODE HERE
    raise NotImplementedError()


def receptive_field(layers):
    """Side of the input region that one unit of the last layer sees.

    Args:
        layers: a sequence of (kernel_size, stride) or (kernel_size, stride, dilation) tuples,
            from the input to the output.

    Returns:
        int: 1 + sum_l dilation_l * (kernel_l - 1) * prod_{j<l} stride_j (1 for no layers).
    """
    # YOUR CODE HERE
    raise NotImplementedError()
