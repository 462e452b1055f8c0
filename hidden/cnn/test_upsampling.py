"""Hidden tests of upsampling.py against torch's conv_transpose2d and interpolate, values and autograd gradients,
over strides, paddings, output paddings, odd sizes, scale factors and both values of align_corners."""
import pytest
import torch
from cnn_cases import BILINEAR_CASES, CT_BAD, CT_CASES, DTYPES, NEAREST_CASES, ct_id, ct_inputs

HINT_CT = ("each x[n, c, h, w] stamps x[n, c, h, w] * weight[c, :, :, :] (weight is (C_in, C_out, KH, KW), not "
           "flipped) at rows h*SH ... and columns w*SW ... of a canvas where overlaps add up; then padding is "
           "cropped from both sides and output_padding extra rows/columns stay at the bottom/right: "
           "H_out = (H - 1) * SH - 2 * PH + KH + OPH")
HINT_NEAREST = "out[n, c, i, j] = x[n, c, i // s, j // s]: every value copied into an s x s block"
HINT_BILINEAR = {
    True: "align_corners=True: src(i) = i * (H - 1) / (H_out - 1) (0 when H_out = 1), the corner centres align",
    False: "align_corners=False: src(i) = (i + 0.5) * H / H_out - 0.5, clamped below at 0 (NOT i * H / H_out)",
}
HINT_BILINEAR_REST = "; then i0 = floor(src), i1 = min(i0 + 1, H - 1), (1 - t) * x[i0] + t * x[i1], H and W alike"
HINT_GRAD = "build the output from x (and weight, bias) with differentiable torch operations: no .detach(), .item()"


def _dtype_id(dtype):
    return str(dtype).replace("torch.", "")


# ---------------------------------------------------------------- scenarios (run in the worker and here)

def transpose(m, x, weight, bias, stride, padding, output_padding, grad_out):
    out = m.upsampling.conv_transpose2d(x, weight, bias, stride, padding, output_padding)
    return {"out": out, "x": x, "weight": weight, "bias": bias}


def transpose_defaults(m, x, weight):
    return m.upsampling.conv_transpose2d(x, weight)


def transpose_bad(m, stride, output_padding):
    x = torch.randn(1, 2, 3, 3, dtype=torch.float64)
    weight = torch.randn(2, 3, 3, 3, dtype=torch.float64)
    try:
        m.upsampling.conv_transpose2d(x, weight, None, stride, 0, output_padding)
    except ValueError as error:
        return {"raised": "ValueError", "message_given": bool(str(error).strip())}
    except Exception as error:  # noqa: BLE001  (what was raised instead is the feedback)
        return {"raised": type(error).__name__, "message_given": bool(str(error).strip())}
    return {"raised": None, "message_given": False}


def transpose_grads(m, x, weight, bias, stride, padding, output_padding, grad_out):
    x = x.clone().requires_grad_(True)
    weight = weight.clone().requires_grad_(True)
    bias = bias.clone().requires_grad_(True)
    out = m.upsampling.conv_transpose2d(x, weight, bias, stride, padding, output_padding)
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        return {"grads": None, "problem": "the output does not require grad"}
    out.backward(grad_out)
    return {"grads": (x.grad, weight.grad, bias.grad), "problem": None}


def nearest(m, x, scale_factor):
    return {"out": m.upsampling.upsample_nearest(x, scale_factor), "x": x}


def bilinear(m, x, size, align_corners):
    return {"out": m.upsampling.upsample_bilinear(x, size, align_corners=align_corners), "x": x}


def bilinear_default(m, x, size):
    return m.upsampling.upsample_bilinear(x, size)


def upsample_grads(m, x, grad_out, how, setting):
    x = x.clone().requires_grad_(True)
    if how == "nearest":
        out = m.upsampling.upsample_nearest(x, setting)
    else:
        out = m.upsampling.upsample_bilinear(x, tuple(grad_out.shape[-2:]), align_corners=setting)
    if not isinstance(out, torch.Tensor) or not out.requires_grad:
        return {"grad_x": None, "problem": "the output does not require grad"}
    out.backward(grad_out)
    return {"grad_x": x.grad, "problem": None}


# ---------------------------------------------------------------- oracles (run here only)

def torch_transpose(m, x, weight, bias, stride, padding, output_padding, grad_out):
    return {"out": torch.nn.functional.conv_transpose2d(x, weight, bias, stride, padding, output_padding)}


def torch_transpose_grads(m, x, weight, bias, stride, padding, output_padding, grad_out):
    x, weight, bias = (t.clone().requires_grad_(True) for t in (x, weight, bias))
    torch.nn.functional.conv_transpose2d(x, weight, bias, stride, padding, output_padding).backward(grad_out)
    return {"grads": (x.grad, weight.grad, bias.grad), "problem": None}


def torch_nearest(m, x, scale_factor):
    return {"out": torch.nn.functional.interpolate(x, scale_factor=scale_factor, mode="nearest")}


def torch_bilinear(m, x, size, align_corners=False):
    return {"out": torch.nn.functional.interpolate(x, size=size, mode="bilinear", align_corners=align_corners)}


def torch_upsample_grads(m, x, grad_out, how, setting):
    x = x.clone().requires_grad_(True)
    if how == "nearest":
        out = torch.nn.functional.interpolate(x, scale_factor=setting, mode="nearest")
    else:
        out = torch.nn.functional.interpolate(x, size=tuple(grad_out.shape[-2:]), mode="bilinear",
                                              align_corners=setting)
    out.backward(grad_out)
    return {"grad_x": x.grad, "problem": None}


# ---------------------------------------------------------------- tests

def _ct_call(case):
    _, _, stride, padding, output_padding, _ = case
    return f"conv_transpose2d(x, weight, bias, stride={stride}, padding={padding}, output_padding={output_padding})"


def _rand(shape, dtype, seed):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(dtype)


@pytest.mark.part("conv_transpose2d")
@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("case", CT_CASES, ids=ct_id)
def test_conv_transpose(grader, case, dtype):
    inputs = ct_inputs(case, dtype, seed=CT_CASES.index(case))
    got = grader.student(transpose, **inputs)
    want = grader.reference(torch_transpose, **inputs)
    call = _ct_call(case)
    grader.check(got["out"], want["out"], call, hint=HINT_CT)
    for name in ("x", "weight", "bias"):
        grader.check(got[name], inputs[name], f"{name} after {call}", hint="do not modify the inputs in place")


@pytest.mark.part("conv_transpose2d")
def test_conv_transpose_defaults(grader):
    inputs = ct_inputs(CT_CASES[0], torch.float64, seed=30)
    got = grader.student(transpose_defaults, x=inputs["x"], weight=inputs["weight"])
    want = grader.reference(torch_transpose, **inputs | {"bias": None})["out"]
    grader.check(got, want, "conv_transpose2d(x, weight)",
                 hint="bias=None, stride=1, padding=0 and output_padding=0 by default")


@pytest.mark.part("conv_transpose2d")
@pytest.mark.parametrize("bad", CT_BAD, ids=str)
def test_output_padding_not_below_stride_is_a_value_error(grader, bad):
    stride, output_padding = bad
    got = grader.student(transpose_bad, stride=stride, output_padding=output_padding)
    grader.check(got, {"raised": "ValueError", "message_given": True},
                 f"conv_transpose2d(x, weight, None, stride={stride}, padding=0, output_padding={output_padding})",
                 hint="output_padding must be smaller than stride in each dimension (OPH < SH and OPW < SW); "
                      "raise ValueError('...') with a message otherwise")


@pytest.mark.part("upsample_nearest")
@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("case", NEAREST_CASES, ids=str)
def test_nearest(grader, case, dtype):
    shape, scale = case
    inputs = {"x": _rand(shape, dtype, seed=50 + NEAREST_CASES.index(case)), "scale_factor": scale}
    got = grader.student(nearest, **inputs)
    want = grader.reference(torch_nearest, **inputs)
    call = f"upsample_nearest(x of shape {shape}, {scale})"
    grader.check(got["out"], want["out"], call, hint=HINT_NEAREST)
    grader.check(got["x"], inputs["x"], f"x after {call}", hint="do not modify x in place")


@pytest.mark.part("upsample_bilinear")
@pytest.mark.parametrize("align_corners", [True, False], ids=["align", "noalign"])
@pytest.mark.parametrize("case", BILINEAR_CASES, ids=str)
def test_bilinear(grader, case, align_corners):
    shape, size = case
    index = BILINEAR_CASES.index(case)
    inputs = {"x": _rand(shape, DTYPES[index % 2], seed=60 + index), "size": size, "align_corners": align_corners}
    got = grader.student(bilinear, **inputs)
    want = grader.reference(torch_bilinear, **inputs)
    call = f"upsample_bilinear(x of shape {shape}, {size}, align_corners={align_corners})"
    grader.check(got["out"], want["out"], call, hint=HINT_BILINEAR[align_corners] + HINT_BILINEAR_REST)
    grader.check(got["x"], inputs["x"], f"x after {call}", hint="do not modify x in place")


@pytest.mark.part("upsample_bilinear")
def test_bilinear_default_is_align_corners_false(grader):
    inputs = {"x": _rand((1, 2, 3, 5), torch.float64, seed=70), "size": (7, 8)}
    got = grader.student(bilinear_default, **inputs)
    want = grader.reference(torch_bilinear, **inputs)["out"]
    grader.check(got, want, "upsample_bilinear(x, (7, 8))", hint="align_corners=False by default, as torch's")


@pytest.mark.part("upsampling_gradients")
@pytest.mark.parametrize("case", [CT_CASES[i] for i in (1, 3, 6, 7)], ids=ct_id)
def test_conv_transpose_gradients(grader, case):
    inputs = ct_inputs(case, torch.float64, seed=80 + CT_CASES.index(case))
    if inputs["bias"] is None:
        inputs["bias"] = _rand((inputs["weight"].shape[1],), torch.float64, seed=90)
    got = grader.student(transpose_grads, **inputs)
    want = grader.reference(torch_transpose_grads, **inputs)
    call = _ct_call(case)
    grader.check(got["problem"], None, f"autograd through {call}", hint=HINT_GRAD)
    grader.check(got["grads"], want["grads"], f"gradients of sum(out * grad_out) through {call}",
                 names=("dL/dx", "dL/dweight", "dL/dbias"), hint=HINT_CT)


UPSAMPLE_GRAD_CASES = [("nearest", (2, 2, 3, 4), 2, (6, 8)), ("nearest", (1, 1, 2, 3), 3, (6, 9)),
                       ("bilinear", (2, 2, 3, 4), True, (7, 5)), ("bilinear", (1, 2, 5, 4), False, (9, 3))]


@pytest.mark.part("upsampling_gradients")
@pytest.mark.parametrize("case", UPSAMPLE_GRAD_CASES, ids=str)
def test_upsample_gradients(grader, case):
    how, shape, setting, size = case
    index = UPSAMPLE_GRAD_CASES.index(case)
    inputs = {"x": _rand(shape, torch.float64, seed=100 + index),
              "grad_out": _rand((*shape[:2], *size), torch.float64, seed=110 + index), "how": how, "setting": setting}
    got = grader.student(upsample_grads, **inputs)
    want = grader.reference(torch_upsample_grads, **inputs)
    call = (f"upsample_nearest(x, {setting})" if how == "nearest"
            else f"upsample_bilinear(x, {size}, align_corners={setting})")
    grader.check(got["problem"], None, f"autograd through {call}", hint=HINT_GRAD)
    grader.check(got["grad_x"], want["grad_x"], f"dL/dx of sum(out * grad_out) through {call}",
                 hint=HINT_NEAREST if how == "nearest" else HINT_BILINEAR[setting] + HINT_BILINEAR_REST)
