"""Public tests for pooling.py: run `pytest` in this folder. They compare with torch's own pooling (which you
may not call in pooling.py); the hidden tests check many more shapes, strides, paddings and both dtypes."""
import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from _checks import check
from pooling import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward

TOL = json.loads((Path(__file__).parent / "public_data.json").read_text())["tolerance"]
# (N, C, H, W), kernel_size, stride, padding
CASES = [((2, 3, 6, 6), 2, None, 0), ((1, 2, 7, 5), 3, 2, 1), ((2, 1, 5, 6), (3, 2), (2, 1), (1, 1))]
IDS = ["k2-default-stride", "k3-s2-p1-overlapping", "k3x2-s2x1-p1-non-square"]


def inputs(case, seed=0):
    size, kernel, stride, padding = case
    gen = torch.Generator().manual_seed(100 + seed)
    x = torch.relu(2 * torch.randn(*size, generator=gen, dtype=torch.float64)).round()  # ties after a ReLU
    out = F.max_pool2d(x, kernel, stride, padding)
    return x, torch.randn(out.shape, generator=gen, dtype=torch.float64)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_maxpool_forward(case):
    _, kernel, stride, padding = case
    x, _ = inputs(case)
    out, indices = maxpool2d_forward(x, kernel, stride, padding)
    want, want_indices = F.max_pool2d(x, kernel, stride, padding, return_indices=True)
    check(out, want, f"out of maxpool2d_forward(x, {kernel}, {stride}, {padding})", tol=TOL,
          hint="the max over each window; stride None means stride = kernel_size; padding counts as -inf")
    check(indices, want_indices, f"indices of maxpool2d_forward(x, {kernel}, {stride}, {padding})", tol=TOL,
          hint="row * W + col in the UNPADDED input (int64); on ties the FIRST maximum in row-major order wins")


def test_maxpool_padding_is_minus_infinity():
    x = -1 - torch.rand(1, 1, 4, 4, dtype=torch.float64)  # all negative: a zero padding would win every border
    out, _ = maxpool2d_forward(x, 3, 1, 1)
    check(out, F.max_pool2d(x, 3, 1, 1), "maxpool2d_forward of a negative x with padding 1", tol=TOL,
          hint="pad with -inf (F.pad(..., value=-torch.inf)), not with zeros: padding must never win")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_maxpool_backward(case):
    _, kernel, stride, padding = case
    x, grad_out = inputs(case, seed=1)
    leaf = x.clone().requires_grad_(True)
    F.max_pool2d(leaf, kernel, stride, padding).backward(grad_out)
    check(maxpool2d_backward(grad_out, x, kernel, stride, padding), leaf.grad,
          f"maxpool2d_backward(grad_out, x, {kernel}, {stride}, {padding})", tol=TOL,
          hint="each grad_out value goes to the one position that won its window (the first maximum on ties); "
               "where windows overlap, add up (+=, scatter_add_), do not overwrite")


@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_avgpool_forward_and_backward(case, count_include_pad):
    _, kernel, stride, padding = case
    x, grad_out = inputs(case, seed=2)
    leaf = x.clone().requires_grad_(True)
    want = F.avg_pool2d(leaf, kernel, stride, padding, count_include_pad=count_include_pad)
    want.backward(grad_out)
    call = f"(x, {kernel}, {stride}, {padding}, count_include_pad={count_include_pad})"
    check(avgpool2d_forward(x, kernel, stride, padding, count_include_pad), want.detach(), f"avgpool2d_forward{call}",
          tol=TOL, hint="divide by KH * KW, or with count_include_pad=False by the number of real values in the window")
    check(avgpool2d_backward(grad_out, x, kernel, stride, padding, count_include_pad), leaf.grad,
          f"avgpool2d_backward{call}", tol=TOL,
          hint="spread grad_out / divisor evenly over the window's real positions; overlapping windows add up")


@pytest.mark.parametrize("function", [maxpool2d_forward, avgpool2d_forward])
def test_padding_above_half_the_kernel_raises_value_error(function):
    with pytest.raises(ValueError):
        function(torch.zeros(1, 1, 5, 5), 3, 1, 2)
