"""Hidden tests of activations.py: every forward and backward against torch's own function and its autograd,
in float32 and float64, on random tensors of several shapes and on a grid that reaches |x| = 1000 (finite and
accurate there), with exact zeros (the kink of relu and leaky_relu), non-default arguments, the ValueError of
gelu, and the inputs left alone.

Each activation has its own scenario that names its two functions, so that a forbidden API in one activation
costs only the tests that can reach it.
"""
import pytest
import torch

DTYPES = [torch.float32, torch.float64]
# shapes of the random cases: 1-D, 3-D, a 0-dim tensor
SHAPES = [(7,), (2, 3, 4), ()]
# the extremes: exact zeros of both signs, tiny, moderate, past float32's exp overflow (88.7) and float64's (709.8)
GRID = [-1000.0, -720.0, -500.0, -100.0, -89.0, -50.0, -20.0, -10.0, -5.0, -2.0, -1.0, -0.5, -1e-3, -1e-7, -0.0,
        0.0, 1e-7, 1e-3, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 89.0, 100.0, 500.0, 720.0, 1000.0]
OUTPUTS = ("y", "grad_x")
SLOPES = [0.0, 0.2, 3.0]  # leaky_relu's negative_slope: none, usual, steeper than x itself
BAD_GELU = ["exact", "Tanh", "erf", ""]
HINT_BACKWARD = "grad_x = grad_y * f'(x): the derivative at the INPUT x, times grad_y, elementwise"
HINT_RANGE = ("exp(1000) is inf and inf / inf is nan: write the formula with exp(-|x|) (at most 1), picking the "
              "form by the sign of x (torch.where), so that nothing overflows")
HINTS = {
    "sigmoid": {"y": "sigmoid(x) = 1 / (1 + exp(-x)); for x < 0 use exp(x) / (1 + exp(x))",
                "grad_x": f"sigmoid'(x) = s * (1 - s) with s = sigmoid(x); {HINT_BACKWARD}"},
    "tanh": {"y": "tanh(x) = sign(x) * (1 - exp(-2|x|)) / (1 + exp(-2|x|)), built from exp",
             "grad_x": f"tanh'(x) = 1 - tanh(x)^2 (of tanh(x), not of x); {HINT_BACKWARD}"},
    "relu": {"y": "relu(x) = max(x, 0)",
             "grad_x": f"relu'(x) = 1 where x > 0, 0 elsewhere, 0 at x == 0 exactly (strictly x > 0, as torch); "
                       f"{HINT_BACKWARD}"},
    "leaky_relu": {"y": "leaky_relu(x) = x where x > 0, negative_slope * x elsewhere (not max(x, negative_slope * x), "
                        "which is wrong for negative_slope > 1); use the negative_slope you are given",
                   "grad_x": f"leaky_relu'(x) = 1 where x > 0, negative_slope elsewhere, negative_slope at x == 0 "
                             f"exactly (as torch); {HINT_BACKWARD}"},
    "gelu": {"y": "approximate='none': x * Phi(x) = 0.5 * x * (1 + erf(x / sqrt(2))); approximate='tanh': "
                  "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))), with a tanh that cannot overflow",
             "grad_x": f"approximate='none': Phi(x) + x * phi(x) (both terms, phi the normal density); 'tanh': "
                       f"0.5 * (1 + t) + 0.5 * x * (1 - t^2) * du/dx with u = sqrt(2 / pi) * (x + 0.044715 * x^3), "
                       f"t = tanh(u); {HINT_BACKWARD}"},
    "silu": {"y": "silu(x) = x * sigmoid(x)",
             "grad_x": f"silu'(x) = s + x * s * (1 - s) with s = sigmoid(x) (product rule); {HINT_BACKWARD}"},
}


# ---------------------------------------------------------------- scenarios (run in the worker and here)

def sigmoid(m, x, grad_y):
    return {"y": m.activations.sigmoid_forward(x), "grad_x": m.activations.sigmoid_backward(grad_y, x),
            "x": x, "grad_y": grad_y}


def tanh(m, x, grad_y):
    return {"y": m.activations.tanh_forward(x), "grad_x": m.activations.tanh_backward(grad_y, x),
            "x": x, "grad_y": grad_y}


def relu(m, x, grad_y):
    return {"y": m.activations.relu_forward(x), "grad_x": m.activations.relu_backward(grad_y, x),
            "x": x, "grad_y": grad_y}


def leaky_relu(m, x, grad_y, negative_slope=None):
    if negative_slope is None:
        y, grad_x = m.activations.leaky_relu_forward(x), m.activations.leaky_relu_backward(grad_y, x)
    else:
        y = m.activations.leaky_relu_forward(x, negative_slope)
        grad_x = m.activations.leaky_relu_backward(grad_y, x, negative_slope)
    return {"y": y, "grad_x": grad_x, "x": x, "grad_y": grad_y}


def gelu(m, x, grad_y, approximate=None):
    if approximate is None:
        y, grad_x = m.activations.gelu_forward(x), m.activations.gelu_backward(grad_y, x)
    else:
        y = m.activations.gelu_forward(x, approximate=approximate)
        grad_x = m.activations.gelu_backward(grad_y, x, approximate=approximate)
    return {"y": y, "grad_x": grad_x, "x": x, "grad_y": grad_y}


def silu(m, x, grad_y):
    return {"y": m.activations.silu_forward(x), "grad_x": m.activations.silu_backward(grad_y, x),
            "x": x, "grad_y": grad_y}


def gelu_errors(m, x, grad_y, approximate):
    raised = {}
    for which in ("forward", "backward"):
        try:
            if which == "forward":
                m.activations.gelu_forward(x, approximate=approximate)
            else:
                m.activations.gelu_backward(grad_y, x, approximate=approximate)
            raised[which] = "nothing"
        except Exception as error:  # noqa: BLE001 - which exception is what the test checks
            raised[which] = type(error).__name__
    return raised


SCENARIOS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu, "leaky_relu": leaky_relu, "gelu": gelu, "silu": silu}


# ---------------------------------------------------------------- oracle (run here only)

def oracle(m, name, x, grad_y, **kwargs):
    """y and grad_x of torch's own function, by autograd, in x's dtype (a None argument: torch's default)."""
    functional = torch.nn.functional
    kwargs = {k: v for k, v in kwargs.items() if v is not None}
    function = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "silu": functional.silu,
                "leaky_relu": functional.leaky_relu, "gelu": functional.gelu}[name]
    leaf = x.clone().requires_grad_(True)
    y = function(leaf, **kwargs)
    y.backward(grad_y)
    return {"y": y.detach(), "grad_x": leaf.grad}


# ---------------------------------------------------------------- inputs

def random_inputs(shape, dtype, seed, scale=3.0):
    gen = torch.Generator().manual_seed(seed)
    x = scale * torch.randn(shape, generator=gen, dtype=torch.float64)
    grad_y = torch.randn(shape, generator=gen, dtype=torch.float64)
    return {"x": x.to(dtype), "grad_y": grad_y.to(dtype)}


def grid_inputs(dtype, seed):
    gen = torch.Generator().manual_seed(seed)
    x = torch.tensor(GRID, dtype=torch.float64)
    grad_y = 0.5 + torch.rand(len(GRID), generator=gen, dtype=torch.float64)  # positive, so no gradient cancels
    return {"x": x.to(dtype), "grad_y": grad_y.to(dtype)}


def compare(grader, name, inputs, output, arguments, where, extra_hint="", **kwargs):
    """The student's y or grad_x against torch's; `arguments` and `where` describe the call for the message."""
    __tracebackhide__ = True
    want = grader.reference(oracle, name=name, **inputs, **kwargs)
    got = grader.student(SCENARIOS[name], **inputs, **kwargs)
    call = f"{name}_forward(x{arguments})" if output == "y" else f"{name}_backward(grad_y, x{arguments})"
    grader.check(got[output], want[output], f"{call} with {where}", hint=HINTS[name][output] + extra_hint)


def by_part(names):
    """Parameters that count towards the part of their own name."""
    return [pytest.param(name, marks=pytest.mark.part(name), id=name) for name in names]


def shape_id(shape) -> str:
    return "x".join(map(str, shape)) or "0dim"


# ---------------------------------------------------------------- tests

@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", SHAPES, ids=shape_id)
@pytest.mark.parametrize("name", by_part(SCENARIOS))
def test_random(grader, name, shape, dtype, output):
    inputs = random_inputs(shape, dtype, seed=SHAPES.index(shape))
    compare(grader, name, inputs, output, "", f"x of shape {shape}, {dtype}")


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("name", by_part(SCENARIOS))
def test_extremes(grader, name, dtype, output):
    compare(grader, name, grid_inputs(dtype, seed=7), output, "", f"x from -1000 to 1000 (0 and -0 included), "
            f"{dtype}", extra_hint=f"; {HINT_RANGE}")


@pytest.mark.parametrize("name", by_part(SCENARIOS))
def test_inputs_left_alone(grader, name):
    inputs = random_inputs((4, 6), torch.float64, seed=11)
    got = grader.student(SCENARIOS[name], **inputs)
    for key in ("x", "grad_y"):
        grader.check(got[key], inputs[key], f"{key} after {name}_forward(x) and {name}_backward(grad_y, x)",
                     hint="an activation modified its input in place (x.clamp_(...), x[x < 0] = 0, grad_y *= ...); "
                          "compute a new tensor instead")


@pytest.mark.part("leaky_relu")
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("slope", SLOPES, ids=str)
def test_leaky_relu_slopes(grader, slope, dtype, output):
    compare(grader, "leaky_relu", grid_inputs(dtype, seed=13), output, f", negative_slope={slope}",
            f"x from -1000 to 1000 (0 included), {dtype}", negative_slope=slope)


@pytest.mark.part("gelu")
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("inputs", ["random", "extremes"])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_forms(grader, approximate, inputs, dtype, output):
    given = random_inputs((3, 7), dtype, seed=17) if inputs == "random" else grid_inputs(dtype, seed=19)
    where = "x of shape (3, 7)" if inputs == "random" else "x from -1000 to 1000"
    compare(grader, "gelu", given, output, f", approximate={approximate!r}", f"{where}, {dtype}",
            extra_hint="" if inputs == "random" else f"; {HINT_RANGE}", approximate=approximate)


@pytest.mark.part("gelu")
@pytest.mark.parametrize("approximate", BAD_GELU)
def test_gelu_rejects_other_forms(grader, approximate):
    got = grader.student(gelu_errors, **random_inputs((4,), torch.float64, seed=23), approximate=approximate)
    grader.check(got, {"forward": "ValueError", "backward": "ValueError"},
                 f"the exception raised by gelu_forward(x, approximate={approximate!r}) and gelu_backward",
                 hint="approximate is 'none' or 'tanh' (lower case, as torch); raise ValueError for anything else, "
                      "in both functions")
