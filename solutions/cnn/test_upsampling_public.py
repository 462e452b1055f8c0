"""Public tests for upsampling.py: run `pytest` in this folder. They compare with torch's conv_transpose2d and
interpolate (which you may not call in upsampling.py); the hidden tests check many more sizes and both dtypes."""
import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from _checks import check
from upsampling import conv_transpose2d, upsample_bilinear, upsample_nearest

TOL = json.loads((Path(__file__).parent / "public_data.json").read_text())["tolerance"]
GEN = torch.Generator().manual_seed(0)
# (N, C_in, H, W), (C_out, KH, KW), stride, padding, output_padding
CT_CASES = [((2, 3, 4, 5), (2, 3, 3), 1, 0, 0), ((1, 2, 3, 4), (3, 3, 3), 2, 1, 1),
            ((2, 2, 3, 2), (1, 2, 4), (3, 2), (1, 0), (2, 1))]


def rand(*shape):
    return torch.randn(*shape, generator=GEN, dtype=torch.float64)


@pytest.mark.parametrize("case", CT_CASES, ids=["s1", "s2-p1-op1", "non-square"])
def test_conv_transpose2d(case):
    (n, c_in, h, w), (c_out, kh, kw), stride, padding, output_padding = case
    x, weight, bias = rand(n, c_in, h, w), rand(c_in, c_out, kh, kw), rand(c_out)
    check(conv_transpose2d(x, weight, bias, stride, padding, output_padding),
          F.conv_transpose2d(x, weight, bias, stride, padding, output_padding),
          f"conv_transpose2d(x, weight, bias, {stride}, {padding}, {output_padding})", tol=TOL,
          hint="weight is (C_in, C_out, KH, KW); each x[n, c, h, w] stamps x * weight[c] at (h*SH, w*SW), overlaps "
               "add, then crop padding on both sides and keep output_padding at the bottom/right")


def test_conv_transpose2d_output_padding_must_be_below_stride():
    with pytest.raises(ValueError):
        conv_transpose2d(rand(1, 1, 3, 3), rand(1, 1, 3, 3), None, 2, 0, 2)


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_upsample_nearest(scale):
    x = rand(2, 3, 3, 4)
    check(upsample_nearest(x, scale), F.interpolate(x, scale_factor=scale, mode="nearest"),
          f"upsample_nearest(x, {scale})", tol=TOL, hint="out[..., i, j] = x[..., i // s, j // s] (repeat each pixel, "
                                                        "do not tile the image)")


@pytest.mark.parametrize("align_corners", [True, False])
@pytest.mark.parametrize("size", [(7, 9), (2, 3)], ids=["up", "down"])
def test_upsample_bilinear(size, align_corners):
    x = rand(2, 2, 4, 5)
    check(upsample_bilinear(x, size, align_corners), F.interpolate(x, size=size, mode="bilinear",
                                                                    align_corners=align_corners),
          f"upsample_bilinear(x, {size}, align_corners={align_corners})", tol=TOL,
          hint="align_corners=True: src = i * (H - 1) / (H_out - 1); False: src = (i + 0.5) * H / H_out - 0.5, "
               "clamped at 0")


def test_gradients_flow_through_all_three():
    x = rand(1, 2, 3, 3).requires_grad_(True)
    weight = rand(2, 2, 3, 3).requires_grad_(True)
    out = upsample_bilinear(upsample_nearest(conv_transpose2d(x, weight, stride=2), 2), (9, 9))
    check(out.requires_grad, True, "requires_grad of the output", hint="no .detach(), .item() or torch.no_grad()")
    out.sum().backward()
    leaf = x.detach().clone().requires_grad_(True)
    weight_leaf = weight.detach().clone().requires_grad_(True)
    F.interpolate(F.interpolate(F.conv_transpose2d(leaf, weight_leaf, stride=2), scale_factor=2), size=(9, 9),
                  mode="bilinear").sum().backward()
    check(x.grad, leaf.grad, "dL/dx through the three", tol=TOL)
    check(weight.grad, weight_leaf.grad, "dL/dweight through the three", tol=TOL)
