"""Case tables and input builders shared by the hidden batchnorm tests (trusted side only).

Every case makes the conventions distinguishable: few values per channel (n = N*H*W of 2 to 24, so that
n / (n - 1) is far from 1), inputs with a different non-zero mean and scale per channel, momenta far
from 0.5 (0.1, 0.3, 0.9: a flipped convention is visible) and at their boundaries 0 and 1, each
non-default argument also alone (the other at its default), some large eps (0.5: eps inside or outside
the square root differ), batches of one with H*W > 1, C = 1 and C > 1, float32 and float64.
"""
from typing import NamedTuple

import torch


class Case(NamedTuple):
    shape: tuple  # (N, C, H, W) of every input
    momentum: float | None = None  # None: the constructor's default
    eps: float | None = None  # None: the constructor's default
    script: str = "TTE"  # one forward per letter: T in training mode, E in eval mode
    dtype: str = "float64"
    affine: bool = True  # weight and bias set (in place) to non-trivial values first
    stats: bool = False  # running_mean and running_var set (in place) to non-trivial values first


# Sequences of training and eval steps, as a user runs them.
SEQUENCES = [
    Case((2, 3, 2, 2), None, None, "TTTE", "float32", affine=False),  # defaults, untouched weight and bias
    Case((2, 3, 2, 2), None, None, "TTTE", "float64"),               # defaults, n = 8
    Case((1, 2, 2, 3), 0.3, 0.5, "TTE", "float64"),                   # batch of one, large eps
    Case((3, 1, 1, 2), 0.9, 1e-3, "TETE", "float32"),                 # C = 1, n = 6, eval between steps
    Case((2, 3, 2, 3), 0.3, 0.5, "ETTE", "float64"),                  # eval first (fresh statistics), W = C
    Case((6, 4, 1, 1), 0.9, 0.5, "TTE", "float64"),                   # H = W = 1
    Case((2, 5, 3, 4), 0.1, 1e-5, "TTTTE", "float64"),                # n = 24, four steps
    Case((4, 2, 2, 1), 0.3, 1e-5, "TEET", "float32"),                 # two evals, then training again
    Case((1, 3, 3, 2), 0.9, 1e-5, "TTE", "float32"),                  # batch of one in float32
    Case((2, 3, 1, 1), 0.0, None, "TTE", "float64"),                  # momentum 0 alone: the statistics stay; n = 2
    Case((1, 2, 1, 2), 1.0, None, "TTTE", "float32"),                 # momentum 1 alone: the last batch's; n = 2
    Case((3, 2, 2, 1), None, 0.5, "TETE", "float64"),                 # eps alone non-default
]

# Eval mode with given running statistics (set in place): the eval formula alone.
EVAL_CASES = [
    Case((2, 3, 2, 2), 0.3, None, "EE", "float32", stats=True),
    Case((1, 2, 2, 3), 0.3, 0.5, "EE", "float64", stats=True),
    Case((3, 1, 1, 2), 0.9, 1e-3, "EE", "float64", stats=True),
    Case((2, 4, 3, 1), 0.3, 0.5, "EE", "float32", stats=True),
    Case((5, 3, 1, 1), 0.9, None, "EE", "float64", stats=True),
]

# Gradients of sum(y * g) wrt x, weight and bias; eval steps come before any training step or use
# given statistics, so that these tests do not depend on the running statistics.
GRAD_CASES = [
    Case((2, 3, 2, 2), None, None, "TT", "float64"),
    Case((1, 2, 2, 3), 0.3, 0.5, "ET", "float64"),
    Case((3, 1, 1, 2), 0.9, 1e-3, "ET", "float32"),
    Case((2, 3, 2, 3), 0.3, 0.5, "TT", "float32"),
    Case((6, 4, 1, 1), 0.1, 0.5, "T", "float64"),
    Case((2, 5, 3, 4), 0.9, 1e-5, "ETT", "float64"),
    Case((2, 3, 2, 2), 0.3, 0.5, "E", "float64", stats=True),
]

# Whole-module behaviour: state_dict round trips with torch.nn.BatchNorm2d, autograd history.
MODULE_CASES = [
    Case((2, 3, 2, 2), 0.3, 0.5, "TTE", "float32"),
    Case((1, 1, 2, 3), 0.9, 1e-5, "TTE", "float64"),
]

ORACLES = ["module", "torch"]  # compare with the reference solution, and with torch.nn.BatchNorm2d itself
ORACLE_IDS = ["vs-reference", "vs-torch"]


def case_id(case: Case) -> str:
    tail = "-stats" if case.stats else ""
    return f"x{case.shape}-m{case.momentum}-eps{case.eps}-{case.script}-{case.dtype}{tail}".replace(" ", "")


def describe(case: Case) -> str:
    """The constructor call and the steps, as the student would write them."""
    options = "".join(f", {name}={value}" for name, value in (("eps", case.eps), ("momentum", case.momentum))
                      if value is not None)
    steps = ", ".join("train" if mode == "T" else "eval" for mode in case.script)
    return (f"BatchNorm2d({case.shape[1]}{options}) in {case.dtype} on x of shape {case.shape}, "
            f"steps {steps}")


def step_names(case: Case, what: str, steps) -> tuple[str, ...]:
    return tuple(f"{what} after step {k + 1} ({'train' if case.script[k] == 'T' else 'eval'}) of {describe(case)}"
                 for k in steps)


def n_per_channel(case: Case) -> int:
    n, _, h, w = case.shape
    return n * h * w


def inputs(case: Case, seed: int, grads: bool = False) -> dict:
    """The keyword arguments of the `play` scenario for one case, from a seeded generator."""
    gen = torch.Generator().manual_seed(seed)
    n, c, h, w = case.shape
    dtype = getattr(torch, case.dtype)

    def draw(*size):
        return torch.randn(*size, generator=gen, dtype=torch.float64)

    def uniform(low, high, size):
        return low + (high - low) * torch.rand(size, generator=gen, dtype=torch.float64)

    scale, shift = uniform(0.3, 3.0, c), uniform(-4.0, 4.0, c)
    xs = [(draw(n, c, h, w) * scale.reshape(1, c, 1, 1) + (shift + draw(c)).reshape(1, c, 1, 1)).to(dtype)
          for _ in case.script]
    sign = torch.where(torch.rand(c, generator=gen) < 0.2, -1.0, 1.0).double()
    weight, bias = (uniform(0.5, 2.0, c) * sign).to(dtype), draw(c).to(dtype)
    running_mean, running_var = (shift + draw(c)).to(dtype), uniform(0.2, 3.0, c).to(dtype)
    return {
        "xs": xs, "script": case.script, "num_features": c, "eps": case.eps, "momentum": case.momentum,
        "dtype": case.dtype,
        "weight": weight if case.affine else None, "bias": bias if case.affine else None,
        "running_mean": running_mean if case.stats else None, "running_var": running_var if case.stats else None,
        "grads_out": [draw(n, c, h, w).to(dtype) for _ in case.script] if grads else None,
    }
