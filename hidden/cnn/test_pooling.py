"""Hidden tests of pooling.py: the forward passes against torch's max_pool2d and avg_pool2d, the backward passes
against autograd of torch's, with ties, negative inputs beside padding, overlapping and non-square windows."""
import pytest
import torch
from cnn_cases import POOL_BAD_PADDING, POOL_CASES, POOL_KINDS, pool_id, pool_inputs

HINT_MAX = ("out[n, c, i, j] is the max over the window at padded rows i*SH ... i*SH + KH - 1 and columns j*SW ... "
            "j*SW + KW - 1; the padding counts as -inf (never zero), stride None means stride = kernel_size")
HINT_INDICES = ("indices[n, c, i, j] = row * W + col of the winner in the UNPADDED H x W plane (subtract the "
                "padding), int64; on ties the FIRST maximum in row-major order of the window wins")
HINT_MAX_BACK = ("grad_x gets each grad_out[n, c, i, j] at the position that won window (i, j) (the first maximum "
                 "on ties) and nothing elsewhere; where windows overlap, add (+=) instead of overwriting")
HINT_AVG = ("out = the window's sum / KH*KW with count_include_pad=True (the padding zeros count), or / the number "
            "of real input values in the window with count_include_pad=False")
HINT_AVG_BACK = ("grad_x spreads grad_out[n, c, i, j] / divisor (the forward's divisor) over every real position "
                 "of window (i, j); overlapping windows add up; the padding's share is dropped")
KIND_IDS = [f"{kind}-{str(dtype).replace('torch.', '')}" for kind, dtype in POOL_KINDS]
# (kind, dtype, count_include_pad) of the average-pooling tests: no ties to break there
AVG_VARIANTS = [("negative", torch.float64, True), ("negative", torch.float64, False),
                ("gaussian", torch.float32, False)]
AVG_IDS = [f"{kind}-{str(dtype).replace('torch.', '')}-{'include' if cip else 'exclude'}_pad"
           for kind, dtype, cip in AVG_VARIANTS]


# ---------------------------------------------------------------- scenarios (run in the worker and here)

def maxpool(m, x, grad_out, kernel_size, stride, padding):
    out, indices = m.pooling.maxpool2d_forward(x, kernel_size, stride, padding)
    return {"out": out, "indices": indices, "x": x}


def maxpool_back(m, x, grad_out, kernel_size, stride, padding):
    grad_x = m.pooling.maxpool2d_backward(grad_out, x, kernel_size, stride, padding)
    return {"grad_x": grad_x, "x": x, "grad_out": grad_out}


def avgpool(m, x, grad_out, kernel_size, stride, padding, count_include_pad):
    out = m.pooling.avgpool2d_forward(x, kernel_size, stride, padding, count_include_pad)
    return {"out": out, "x": x}


def avgpool_back(m, x, grad_out, kernel_size, stride, padding, count_include_pad):
    grad_x = m.pooling.avgpool2d_backward(grad_out, x, kernel_size, stride, padding, count_include_pad)
    return {"grad_x": grad_x, "x": x, "grad_out": grad_out}


def defaults(m, function, x, grad_out, kernel_size):
    """One function with stride and padding (and count_include_pad) left at their defaults."""
    if function == "maxpool2d_forward":
        return m.pooling.maxpool2d_forward(x, kernel_size)
    if function == "maxpool2d_backward":
        return m.pooling.maxpool2d_backward(grad_out, x, kernel_size)
    if function == "avgpool2d_forward":
        return m.pooling.avgpool2d_forward(x, kernel_size)
    return m.pooling.avgpool2d_backward(grad_out, x, kernel_size)


def avg_padded(m, function, x, grad_out, kernel_size, stride, padding):
    """Average pooling with padding, count_include_pad left at its default."""
    if function == "avgpool2d_forward":
        return m.pooling.avgpool2d_forward(x, kernel_size, stride, padding)
    return m.pooling.avgpool2d_backward(grad_out, x, kernel_size, stride, padding)


def torch_avg_padded(m, function, x, grad_out, kernel_size, stride, padding):
    x = x.clone().requires_grad_(True)
    out = torch.nn.functional.avg_pool2d(x, kernel_size, stride, padding)
    return torch.autograd.grad(out, x, grad_out)[0] if function.endswith("backward") else out.detach()


def bad_padding(m, kernel_size, padding):
    """What each of the four functions raises for a padding above half the kernel."""
    x = torch.randn(1, 2, 6, 6, dtype=torch.float64)
    grad_out = torch.ones(1, 2, 6, 6, dtype=torch.float64)
    calls = {"maxpool2d_forward": lambda: m.pooling.maxpool2d_forward(x, kernel_size, 1, padding),
             "maxpool2d_backward": lambda: m.pooling.maxpool2d_backward(grad_out, x, kernel_size, 1, padding),
             "avgpool2d_forward": lambda: m.pooling.avgpool2d_forward(x, kernel_size, 1, padding),
             "avgpool2d_backward": lambda: m.pooling.avgpool2d_backward(grad_out, x, kernel_size, 1, padding)}
    raised = {}
    for name, call in calls.items():
        try:
            call()
            raised[name] = {"raised": None, "message_given": False}
        except ValueError as error:
            raised[name] = {"raised": "ValueError", "message_given": bool(str(error).strip())}
        except Exception as error:  # noqa: BLE001  (what was raised instead is the feedback)
            raised[name] = {"raised": type(error).__name__, "message_given": bool(str(error).strip())}
    return raised


# ---------------------------------------------------------------- oracles (run here only)

def torch_maxpool(m, x, grad_out, kernel_size, stride, padding):
    out, indices = torch.nn.functional.max_pool2d(x, kernel_size, stride, padding, return_indices=True)
    return {"out": out, "indices": indices}


def torch_maxpool_back(m, x, grad_out, kernel_size, stride, padding):
    x = x.clone().requires_grad_(True)
    torch.nn.functional.max_pool2d(x, kernel_size, stride, padding).backward(grad_out)
    return {"grad_x": x.grad}


def torch_avgpool(m, x, grad_out, kernel_size, stride, padding, count_include_pad):
    return {"out": torch.nn.functional.avg_pool2d(x, kernel_size, stride, padding,
                                                  count_include_pad=count_include_pad)}


def torch_avgpool_back(m, x, grad_out, kernel_size, stride, padding, count_include_pad):
    x = x.clone().requires_grad_(True)
    torch.nn.functional.avg_pool2d(x, kernel_size, stride, padding,
                                   count_include_pad=count_include_pad).backward(grad_out)
    return {"grad_x": x.grad}


def torch_defaults(m, function, x, grad_out, kernel_size):
    x = x.clone().requires_grad_(True)
    if function.startswith("max"):
        out, indices = torch.nn.functional.max_pool2d(x, kernel_size, return_indices=True)
    else:
        out, indices = torch.nn.functional.avg_pool2d(x, kernel_size), None
    if function.endswith("backward"):
        return torch.autograd.grad(out, x, grad_out)[0]
    return out.detach() if indices is None else (out.detach(), indices)


# ---------------------------------------------------------------- tests

def _inputs(case, kind, seed):
    kind, dtype = kind
    return pool_inputs(case, kind, dtype, seed=seed)


def _call(name, case, extra=""):
    shape, kernel, stride, padding = case
    return f"{name}(x of shape {shape}, kernel_size={kernel}, stride={stride}, padding={padding}{extra})"


def _unchanged(grader, got, inputs, names, call):
    __tracebackhide__ = True
    for name in names:
        grader.check(got[name], inputs[name], f"{name} after {call}",
                     hint="an input was modified in place; compute new tensors (F.pad, clone) instead")


@pytest.mark.part("maxpool2d_forward")
@pytest.mark.parametrize("kind", POOL_KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("case", POOL_CASES, ids=pool_id)
def test_maxpool_forward(grader, case, kind):
    inputs = _inputs(case, kind, seed=POOL_CASES.index(case))
    got = grader.student(maxpool, **inputs)
    want = grader.reference(torch_maxpool, **inputs)
    call = _call("maxpool2d_forward", case)
    grader.check(got["out"], want["out"], f"out of {call}", hint=HINT_MAX)
    grader.check(got["indices"], want["indices"], f"indices of {call}", hint=HINT_INDICES)
    _unchanged(grader, got, inputs, ["x"], call)


@pytest.mark.part("maxpool2d_backward")
@pytest.mark.parametrize("kind", POOL_KINDS, ids=KIND_IDS)
@pytest.mark.parametrize("case", POOL_CASES, ids=pool_id)
def test_maxpool_backward(grader, case, kind):
    inputs = _inputs(case, kind, seed=20 + POOL_CASES.index(case))
    got = grader.student(maxpool_back, **inputs)
    want = grader.reference(torch_maxpool_back, **inputs)
    call = _call("maxpool2d_backward", case).replace("(x", "(grad_out, x")
    grader.check(got["grad_x"], want["grad_x"], f"grad_x of {call}", hint=HINT_MAX_BACK)
    _unchanged(grader, got, inputs, ["x", "grad_out"], call)


@pytest.mark.part("avgpool2d_forward")
@pytest.mark.parametrize("variant", AVG_VARIANTS, ids=AVG_IDS)
@pytest.mark.parametrize("case", POOL_CASES, ids=pool_id)
def test_avgpool_forward(grader, case, variant):
    kind, dtype, count_include_pad = variant
    inputs = pool_inputs(case, kind, dtype, seed=40 + POOL_CASES.index(case)) | {"count_include_pad": count_include_pad}
    got = grader.student(avgpool, **inputs)
    want = grader.reference(torch_avgpool, **inputs)
    call = _call("avgpool2d_forward", case, f", count_include_pad={count_include_pad}")
    grader.check(got["out"], want["out"], f"out of {call}", hint=HINT_AVG)
    _unchanged(grader, got, inputs, ["x"], call)


@pytest.mark.part("avgpool2d_backward")
@pytest.mark.parametrize("variant", AVG_VARIANTS, ids=AVG_IDS)
@pytest.mark.parametrize("case", POOL_CASES, ids=pool_id)
def test_avgpool_backward(grader, case, variant):
    kind, dtype, count_include_pad = variant
    inputs = pool_inputs(case, kind, dtype, seed=60 + POOL_CASES.index(case)) | {"count_include_pad": count_include_pad}
    got = grader.student(avgpool_back, **inputs)
    want = grader.reference(torch_avgpool_back, **inputs)
    call = _call("avgpool2d_backward", case, f", count_include_pad={count_include_pad}").replace("(x", "(grad_out, x")
    grader.check(got["grad_x"], want["grad_x"], f"grad_x of {call}", hint=HINT_AVG_BACK)
    _unchanged(grader, got, inputs, ["x", "grad_out"], call)


FUNCTIONS = ["maxpool2d_forward", "maxpool2d_backward", "avgpool2d_forward", "avgpool2d_backward"]


@pytest.mark.parametrize("kernel_size", [2, (3, 2)], ids=str)
@pytest.mark.parametrize("function", [pytest.param(f, marks=pytest.mark.part(f)) for f in FUNCTIONS])
def test_default_stride_is_kernel_size(grader, function, kernel_size):
    inputs = pool_inputs(((2, 2, 7, 6), kernel_size, None, 0), "ties", torch.float64, seed=80)
    inputs = {name: inputs[name] for name in ("x", "grad_out", "kernel_size")} | {"function": function}
    got, want = grader.student(defaults, **inputs), grader.reference(torch_defaults, **inputs)
    args = "grad_out, x" if function.endswith("backward") else "x"
    grader.check(got, want, f"{function}({args}, kernel_size={kernel_size}) with stride and padding left out",
                 hint="stride=None means stride = kernel_size (non-overlapping windows); padding defaults to 0")


@pytest.mark.parametrize("function", [pytest.param(f, marks=pytest.mark.part(f)) for f in FUNCTIONS[2:]])
def test_count_include_pad_defaults_to_true(grader, function):
    case = ((1, 2, 7, 5), 3, 2, 1)
    inputs = {name: value for name, value in pool_inputs(case, "gaussian", torch.float64, seed=90).items()}
    got, want = grader.student(avg_padded, function=function, **inputs), \
        grader.reference(torch_avg_padded, function=function, **inputs)
    args = "grad_out, x" if function.endswith("backward") else "x"
    grader.check(got, want, f"{function}({args}, kernel_size=3, stride=2, padding=1) with count_include_pad left out",
                 hint="count_include_pad defaults to True, as torch's: the padding zeros count, divide by KH*KW")


@pytest.mark.part("pooling_arguments")
@pytest.mark.parametrize("bad", POOL_BAD_PADDING, ids=str)
def test_padding_above_half_the_kernel_is_a_value_error(grader, bad):
    kernel_size, padding = bad
    got = grader.student(bad_padding, kernel_size=kernel_size, padding=padding)
    for function in FUNCTIONS:
        grader.check(got[function], {"raised": "ValueError", "message_given": True},
                     f"{function}(..., kernel_size={kernel_size}, stride=1, padding={padding})",
                     hint="padding may be at most half the kernel in each dimension (2 * PH <= KH and 2 * PW <= KW); "
                          "raise ValueError('...') with a message otherwise, from the forward and the backward alike")
