"""Hidden tests of receptive_field.py: conv_output_size against the reference (ValueErrors included) and,
exhaustively on a small grid, against the output length of a real torch Conv1d (or the error it raises);
receptive_field against the receptive field measured on a real torch conv stack."""
import itertools

import pytest
import torch

# (size, kernel_size, stride, padding, dilation): each argument at its boundary values
OUTPUT_SIZE_CASES = [
    (1, 1, 1, 0, 1), (5, 5, 1, 0, 1), (5, 1, 1, 0, 1), (7, 3, 1, 0, 1), (7, 3, 2, 0, 1), (8, 3, 2, 0, 1),
    (10, 3, 3, 1, 1), (9, 4, 2, 1, 1), (1, 3, 1, 1, 1), (1, 1, 5, 0, 1), (32, 3, 1, 1, 1), (32, 5, 2, 2, 1),
    (9, 3, 1, 0, 2), (9, 3, 1, 0, 4), (10, 3, 2, 2, 3), (50, 7, 3, 3, 2), (6, 2, 4, 0, 1), (3, 5, 1, 1, 1),
]
OUTPUT_SIZE_ERRORS = [
    (0, 1, 1, 0, 1), (0, 1, 1, 1, 1), (5, 0, 1, 0, 1), (5, 3, 0, 0, 1), (5, 3, 1, -1, 1), (5, 3, 1, 0, 0),
    (2, 3, 1, 0, 1), (4, 3, 1, 0, 2), (1, 4, 1, 1, 1),
]
# every (size, kernel_size, padding, dilation) of a small grid, one test per stride: an integer slip that
# shows only on a boundary (floor vs truncation, an exact fit, padding counted once) cannot sample past it
GRID = [args for args in itertools.product(range(1, 8), range(1, 5), range(0, 3), range(1, 4))]
GRID_STRIDES = [1, 2, 3]
# stacks of (kernel_size, stride) or (kernel_size, stride, dilation), input to output
STACKS = [
    (), ((1, 1),), ((3, 1),), ((3, 2),), ((7, 2),), ((3, 1, 2),), ((3, 1), (3, 1)), ((3, 2), (3, 1)),
    ((3, 1), (3, 2)), ((2, 2), (2, 2), (2, 2)), ((3, 2), (3, 2), (3, 1, 3)), ((5, 1), (3, 2, 2), (2, 2)),
    ((7, 2), (3, 2), (3, 1), (3, 3)), ((3, 3, 2), (3, 1, 3), (1, 2), (3, 1)),
    ((3, 1), (3, 1, 2), (3, 1, 3), (3, 2), (2, 1, 2)), ((4, 3), (1, 1), (2, 2, 2)),
]


def output_size(m, args):
    return m.receptive_field.conv_output_size(*args)


def output_size_defaults(m, size, kernel_size):
    return m.receptive_field.conv_output_size(size, kernel_size)


def output_size_error(m, args):
    try:
        value = m.receptive_field.conv_output_size(*args)
    except ValueError as error:
        return {"raised": "ValueError", "message_given": bool(str(error).strip())}
    return {"raised": f"nothing (returned {value!r})", "message_given": False}


def output_sizes(m, grid, stride):
    """conv_output_size over a grid of (size, kernel_size, padding, dilation): the int, or 'ValueError'."""
    found = []
    for size, kernel_size, padding, dilation in grid:
        try:
            found.append(m.receptive_field.conv_output_size(size, kernel_size, stride, padding, dilation))
        except ValueError:
            found.append("ValueError")
    return found


def torch_output_sizes(grid, stride):
    """The output length a real torch.nn.Conv1d gives on each grid point, or 'ValueError' where it refuses."""
    found = []
    for size, kernel_size, padding, dilation in grid:
        conv = torch.nn.Conv1d(1, 1, kernel_size, stride=stride, padding=padding, dilation=dilation, bias=False)
        try:
            found.append(conv(torch.zeros(1, 1, size)).shape[-1])
        except RuntimeError:
            found.append("ValueError")
    return found


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
@pytest.mark.parametrize("size, kernel_size", [(7, 3), (1, 1), (5, 5)])
def test_conv_output_size_default_arguments(grader, size, kernel_size):
    got = grader.student(output_size_defaults, size=size, kernel_size=kernel_size)
    grader.check(got, torch_output_sizes([(size, kernel_size, 0, 1)], stride=1)[0],
                 f"conv_output_size({size}, {kernel_size})", hint="stride=1, padding=0 and dilation=1 by default")


@pytest.mark.part("conv_output_size")
@pytest.mark.parametrize("args", OUTPUT_SIZE_ERRORS, ids=str)
def test_conv_output_size_rejects(grader, args):
    got = grader.student(output_size_error, args=args)
    grader.check(got, {"raised": "ValueError", "message_given": True}, f"conv_output_size{args}",
                 hint="raise ValueError('...') with a message naming the argument when an argument is out of "
                      "range or the dilated kernel does not fit in the padded input")


@pytest.mark.part("conv_output_size")
@pytest.mark.parametrize("stride", GRID_STRIDES)
def test_conv_output_size_matches_torch_on_a_grid(grader, stride):
    got = grader.student(output_sizes, grid=GRID, stride=stride)
    want = torch_output_sizes(GRID, stride)
    wrong = [(args, g, w) for args, g, w in zip(GRID, got, want, strict=True) if g != w] if isinstance(got, list) \
        and len(got) == len(want) else None
    if wrong is None:
        grader.fail(f"conv_output_size returned {type(got).__name__} values over the grid, not one int or "
                    f"ValueError per call")
    if wrong:
        (size, kernel_size, padding, dilation), g, w = wrong[0]
        grader.fail(f"conv_output_size({size}, {kernel_size}, {stride}, {padding}, {dilation}) (size, kernel_size, "
                    f"stride, padding, dilation): got {g}, torch's Conv1d gives {w}; {len(wrong)} of {len(GRID)} "
                    f"grid points with stride {stride} differ",
                    hint="floor((size + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1, and ValueError "
                         "exactly where the dilated kernel does not fit in the padded input")


@pytest.mark.part("receptive_field")
@pytest.mark.parametrize("layers", STACKS, ids=str)
def test_receptive_field(grader, layers):
    got = grader.student(rf, layers=layers)
    grader.check(got, measured_receptive_field(layers), f"receptive_field({list(layers)})",
                 hint="RF = 1 + sum_l dilation_l * (kernel_l - 1) * (product of the strides of the layers "
                      "before l); an empty stack sees 1 pixel")
