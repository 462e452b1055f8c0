"""Public tests for mlp.py: run `pytest` in this folder. The hidden tests check much more.

The layers and losses are compared with torch.nn.functional and its autograd; dropout and the initialisations
with the statistics of many draws; two_layer_net with the reference's values in public_data.json.
"""
import json
import math
from pathlib import Path

import mlp
import pytest
import torch
from _checks import check

DATA = json.loads((Path(__file__).parent / "public_data.json").read_text())
TOL = DATA["tolerance"]
NET = DATA["net"]
nnf = torch.nn.functional


def seeded(*shape, seed=0, scale=1.0):
    return scale * torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_linear_forward():
    x, weight, bias = seeded(4, 3), seeded(5, 3, seed=1), seeded(5, seed=2)
    check(mlp.linear_forward(x, weight, bias), nnf.linear(x, weight, bias), "linear_forward(x, weight, bias) with "
          "x (4, 3), weight (5, 3)", tol=TOL, hint="out = x @ weight.T + bias: weight is (O, I) = (out, in)")
    check(mlp.linear_forward(x, weight), nnf.linear(x, weight), "linear_forward(x, weight) (bias=None)", tol=TOL,
          hint="bias=None means no bias")


def test_linear_backward():
    x, weight, grad_out = seeded(4, 3), seeded(5, 3, seed=1), seeded(4, 5, seed=3)
    leaves = [t.clone().requires_grad_(True) for t in (x, weight, seeded(5, seed=2))]
    nnf.linear(*leaves).backward(grad_out)
    check(mlp.linear_backward(grad_out, x, weight), tuple(t.grad for t in leaves), "linear_backward(grad_out, x, "
          "weight)", tol=TOL, names=("grad_x", "grad_weight", "grad_bias"),
          hint="grad_x = grad_out @ weight (N, I); grad_weight = grad_out.T @ x (O, I); grad_bias = grad_out summed "
               "over the batch (O,)")


def test_softmax_is_stable():
    logits = seeded(3, 6, scale=1e4)
    check(mlp.softmax(logits), torch.softmax(logits, dim=-1), "softmax(logits) for logits up to 1e4", tol=TOL,
          hint="subtract the max along dim first: exp(1e4) is inf, and inf / inf is nan")
    check(mlp.softmax(logits, dim=0), torch.softmax(logits, dim=0), "softmax(logits, dim=0)", tol=TOL,
          hint="normalise along the dim you are given")


@pytest.mark.parametrize("scale", [1.0, 1e4], ids=["moderate", "huge"])
def test_cross_entropy_forward(scale):
    logits, target = seeded(5, 4, scale=scale), torch.tensor([0, 3, 1, 1, 2])
    check(mlp.cross_entropy_forward(logits, target), nnf.cross_entropy(logits, target),
          f"cross_entropy_forward(logits, target) for logits up to {scale:g}", tol=TOL,
          hint="the MEAN over the batch of logsumexp(logits[n]) - logits[n, target[n]], a 0-dim tensor; "
               "logsumexp = max + log(sum(exp(logits - max))), never log(softmax), which gives log(0)")


def test_cross_entropy_backward():
    logits, target = seeded(5, 4), torch.tensor([0, 3, 1, 1, 2])
    logits_leaf = logits.detach().clone().requires_grad_()
    nnf.cross_entropy(logits_leaf, target).backward()
    check(mlp.cross_entropy_backward(logits, target), logits_leaf.grad, "cross_entropy_backward(logits, target)",
          tol=TOL, hint="(softmax(logits) - one_hot(target)) / N: the 1 / N comes from the mean")


@pytest.mark.parametrize("p", [0.2, 0.7])
def test_dropout_forward_statistics(p):
    x = 1.0 + torch.rand(100, 100, dtype=torch.float64)
    out, mask = mlp.dropout_forward(x, p)
    dropped = (mask == 0).double().mean().item()
    tolerance = 5 * math.sqrt(p * (1 - p) / x.numel())
    check(abs(dropped - p) < tolerance, True, f"a fraction {dropped:.3f} dropped by dropout_forward(x, p={p}) is "
          f"within {tolerance:.3f} of p", hint="p is the probability of DROPPING: keep where rand >= p")
    kept = mask > 0
    check(mask[kept], torch.full_like(mask[kept], 1 / (1 - p)), "the kept entries of the mask", tol=TOL,
          hint="inverted dropout scales what it keeps by 1 / (1 - p), so that E[out] = x")
    check(out, x * mask, "out of dropout_forward", tol=TOL, hint="out = x * mask")


def test_dropout_forward_edges():
    x = seeded(3, 4)
    check(mlp.dropout_forward(x, p=1.0), (torch.zeros_like(x), torch.zeros_like(x)), "dropout_forward(x, p=1.0)",
          tol=TOL, names=("out", "mask"), hint="p == 1 drops everything: zeros, without dividing by 1 - p = 0")
    check(mlp.dropout_forward(x, p=0.5, training=False), (x, torch.ones_like(x)), "dropout_forward(x, p=0.5, "
          "training=False)", tol=TOL, names=("out", "mask"), hint="in evaluation dropout does nothing")
    with pytest.raises(ValueError):
        mlp.dropout_forward(x, p=1.5)


def test_dropout_backward():
    grad_out, mask = seeded(3, 4), (seeded(3, 4, seed=5) > 0).double() * 2.0
    check(mlp.dropout_backward(grad_out, mask), grad_out * mask, "dropout_backward(grad_out, mask)", tol=TOL,
          hint="grad_x = grad_out * mask")


def test_xavier_uniform():
    weight = mlp.xavier_uniform(300, 100)
    bound = math.sqrt(6 / 400)
    check(tuple(weight.shape), (300, 100), "the shape of xavier_uniform(300, 100)",
          hint="(fan_out, fan_in): torch.nn.Linear's weight layout")
    check(weight.abs().max().item() <= bound and weight.abs().max().item() > 0.99 * bound, True,
          f"xavier_uniform(300, 100) fills (-a, a) with a = sqrt(6 / (fan_in + fan_out)) = {bound:.4f}",
          hint="2 * torch.rand(fan_out, fan_in) - 1 is U(-1, 1); scale it by a")


def test_kaiming_normal():
    weight = mlp.kaiming_normal(400, 100, nonlinearity="tanh")
    std = 5 / 3 / math.sqrt(100)
    check(tuple(weight.shape), (400, 100), "the shape of kaiming_normal(400, 100)",
          hint="(fan_out, fan_in): torch.nn.Linear's weight layout")
    check(abs(weight.std().item() - std) < 0.03 * std, True, f"the std {weight.std().item():.4f} of kaiming_normal("
          f"400, 100, 'tanh') is gain / sqrt(fan_in) = {std:.4f}",
          hint="std = gain / sqrt(fan_in), fan_in the number of columns; tanh's gain is 5/3")
    with pytest.raises(ValueError):
        mlp.kaiming_normal(4, 3, nonlinearity="softmax")


@pytest.mark.parametrize("activation", list(NET["expected"]))
def test_two_layer_net(activation):
    given = {k: torch.tensor(v, dtype=torch.float64) for k, v in NET["inputs"].items() if k != "target"}
    loss, grads = mlp.two_layer_net(**given, target=torch.tensor(NET["inputs"]["target"]), activation=activation)
    want = NET["expected"][activation]
    check(loss, torch.tensor(want["loss"], dtype=torch.float64), f"loss of two_layer_net(..., activation="
          f"{activation!r})", tol=TOL, hint="cross_entropy_forward(linear(act(linear(x, w1, b1)), w2, b2), target)")
    check(grads, {k: torch.tensor(v, dtype=torch.float64) for k, v in want["grads"].items()}, "grads of "
          f"two_layer_net(..., activation={activation!r})", tol=TOL,
          hint="backwards through cross_entropy_backward, linear_backward, the activation's backward at its INPUT z, "
               "linear_backward")
