"""Hidden tests of receptive_field.py: conv_output_size against the reference (ValueErrors included),
receptive_field against the receptive field measured on a real torch conv stack."""
import pytest
import torch

# (size, kernel_size, stride, padding, dilation): each argument at its boundary values
OUTPUT_SIZE_CASES = [
    (1, 1, 1, 0, 1), (5, 5, 1, 0, 1), (5, 1, 1, 0, 1), (7, 3, 1, 0, 1), (7, 3, 2, 0, 1), (8, 3, 2, 0, 1),
    (10, 3, 3, 1, 1), (9, 4, 2, 1, 1), (1, 3, 1, 1, 1), (1, 1, 5, 0, 1), (32, 3, 1, 1, 1), (32, 5, 2, 2, 1),
    (9, 3, 1, 0, 2), (9, 3, 1, 0, 4), (10, 3, 2, 2, 3), (50, 7, 3, 3, 2), (6, 2, 4, 0, 1), (3, 5, 1, 1, 1),
]
OUTPUT_SIZE_ERRORS = [
    (0, 1, 1, 0, 1), (5, 0, 1, 0, 1), (5, 3, 0, 0, 1), (5, 3, 1, -1, 1), (5, 3, 1, 0, 0),
    (2, 3, 1, 0, 1), (4, 3, 1, 0, 2), (1, 4, 1, 1, 1),
]
# stacks of (kernel_size, stride) or (kernel_size, stride, dilation), input to output
STACKS = [
    (), ((1, 1),), ((3, 1),), ((3, 2),), ((7, 2),), ((3, 1, 2),), ((3, 1), (3, 1)), ((3, 2), (3, 1)),
    ((3, 1), (3, 2)), ((2, 2), (2, 2), (2, 2)), ((3, 2), (3, 2), (3, 1, 3)), ((5, 1), (3, 2, 2), (2, 2)),
    ((7, 2), (3, 2), (3, 1), (3, 3)), ((3, 3, 2), (3, 1, 3), (1, 2), (3, 1)),
    ((3, 1), (3, 1, 2), (3, 1, 3), (3, 2), (2, 1, 2)), ((4, 3), (1, 1), (2, 2, 2)),
]


def output_size(m, args):
    return m.receptive_field.conv_output_size(*args)


def output_size_error(m, args):
    try:
        value = m.receptive_field.conv_output_size(*args)
    except ValueError as error:
        return {"raised": "ValueError", "message_given": bool(str(error).strip())}
    return {"raised": f"nothing (returned {value!r})", "message_given": False}


def rf(m, layers):
    return m.receptive_field.receptive_field(layers)


def measured_receptive_field(layers) -> int:
    """Extent of the input positions that reach output unit 0 of a real torch Conv1d stack."""
    layers = [(tuple(layer) + (1,))[:3] for layer in layers]
    length = 16 + torch.tensor([s for _, s, _ in layers] + [1]).prod().item() * (1 + sum(d * k for k, _, d in layers))
    x = torch.zeros(1, 1, length, dtype=torch.float64, requires_grad=True)
    out = x
    for kernel, stride, dilation in layers:
        conv = torch.nn.Conv1d(1, 1, kernel, stride=stride, dilation=dilation, bias=False).double()
        torch.nn.init.ones_(conv.weight)
        out = conv(out)
    out[0, 0, 0].backward()
    seen = x.grad[0, 0].nonzero()
    return int(seen.max() - seen.min() + 1)


@pytest.mark.part("conv_output_size")
@pytest.mark.parametrize("args", OUTPUT_SIZE_CASES, ids=str)
def test_conv_output_size(grader, args):
    got, want = grader.run(output_size, args=args)
    grader.check(got, want, f"conv_output_size{args}",
                 hint="floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1, a Python int")


@pytest.mark.part("conv_output_size")
@pytest.mark.parametrize("args", OUTPUT_SIZE_ERRORS, ids=str)
def test_conv_output_size_rejects(grader, args):
    got = grader.student(output_size_error, args=args)
    grader.check(got, {"raised": "ValueError", "message_given": True}, f"conv_output_size{args}",
                 hint="raise ValueError('...') with a message naming the argument when an argument is out of "
                      "range or the dilated kernel does not fit in the padded input")


@pytest.mark.part("receptive_field")
@pytest.mark.parametrize("layers", STACKS, ids=str)
def test_receptive_field(grader, layers):
    got = grader.student(rf, layers=layers)
    grader.check(got, measured_receptive_field(layers), f"receptive_field({list(layers)})",
                 hint="RF = 1 + sum_l dilation_l * (kernel_l - 1) * (product of the strides of the layers "
                      "before l); an empty stack sees 1 pixel")
