"""Student-facing comparisons: what differs, where, got vs expected, and a hint.

Checked in order (defined -> type -> length -> shape -> dtype -> finite -> values) and only the first
failure is reported. Used by the hidden suites in the grader and, copied by `autograder release`
as `_checks.py`, by the public tests students run. Depends on torch and the standard library only.
"""
from __future__ import annotations

import math

import torch


class CheckFailure(AssertionError):
    """A comparison failed; the message is written for the student."""


def _fail(name: str, problem: str, hint: str) -> None:
    __tracebackhide__ = True
    raise CheckFailure(f"{name}: {problem}" + (f"\nHint: {hint}" if hint else ""))


def _shape(t: torch.Tensor) -> tuple[int, ...]:
    return tuple(t.shape)


def _tolerance(tol, dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) from a pair or from a mapping keyed by dtype name ('float32', ...) or 'default'."""
    if isinstance(tol, dict):
        key = str(dtype).replace("torch.", "")
        tol = tol.get(key, tol.get("default", (1e-5, 1e-8)))
    if isinstance(tol, dict):
        return float(tol["rtol"]), float(tol["atol"])
    return float(tol[0]), float(tol[1])


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {_shape(value)}"
    return f"{type(value).__name__} {value!r}"[:200]


def _check_tensor(got, expected: torch.Tensor, name: str, tol, hint: str) -> None:
    __tracebackhide__ = True
    if type(got) is not torch.Tensor:
        _fail(name, f"should be a torch.Tensor, got {_describe(got)}", hint)
    if _shape(got) != _shape(expected):
        _fail(name, f"has shape {_shape(got)}, expected {_shape(expected)}", hint)
    if got.dtype != expected.dtype:
        _fail(name, f"has dtype {got.dtype}, expected {expected.dtype} (outputs keep the input's dtype)", hint)
    if expected.dtype == torch.bool or not expected.is_floating_point():
        wrong = got != expected
        if wrong.any():
            index = tuple(int(i) for i in wrong.nonzero()[0])
            _fail(name, f"{int(wrong.sum())} of {wrong.numel()} values differ; first at index {index}: "
                        f"got {got[index].item()}, expected {expected[index].item()}", hint)
        return
    bad = ~torch.isfinite(got) & torch.isfinite(expected)
    if bad.any():
        index = tuple(int(i) for i in bad.nonzero()[0])
        _fail(name, f"contains {got[index].item()} at index {index}, expected {expected[index].item()}", hint)
    rtol, atol = _tolerance(tol, expected.dtype)
    g, e = got.double(), expected.double()
    error = (g - e).abs()
    allowed = atol + rtol * e.abs()
    wrong = ~((g == e) | (torch.isfinite(e) & (error <= allowed)))
    if wrong.any():
        worst = torch.where(wrong, error.nan_to_num(nan=math.inf), torch.full_like(error, -1.0))
        index = tuple(int(i) for i in torch.unravel_index(worst.argmax(), worst.shape))
        _fail(name, f"{int(wrong.sum())} of {wrong.numel()} values differ; max abs error "
                    f"{error[index].item():.3g} at index {index} (got {g[index].item():.6g}, expected "
                    f"{e[index].item():.6g}); tolerance atol={atol:g} + rtol={rtol:g} * |expected|", hint)


def check(got, expected, name: str = "output", *, tol=(1e-5, 1e-8), hint: str = "",
          names: tuple[str, ...] | None = None) -> None:
    """Compare `got` with `expected` and raise CheckFailure with a message for the student.

    got, expected: tensors, Python numbers, strings, None, or tuples/lists/dicts of them.
    tol: (rtol, atol), or a mapping from dtype name ('float32', 'float64', 'default') to either.
    names: names of the elements when `expected` is a tuple (e.g. ('grad_x', 'grad_weight')).
    """
    __tracebackhide__ = True
    if isinstance(expected, torch.Tensor):
        _check_tensor(got, expected, name, tol, hint)
    elif isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            _fail(name, f"should be a tuple of {len(expected)} values, got {_describe(got)}", hint)
        if len(got) != len(expected):
            listed = f" ({', '.join(names)})" if names else ""
            short = len(got) + len(expected) <= 20 and all(type(v) in (str, int) for v in [*got, *expected])
            shown = f": got {list(got)}, expected {list(expected)}" if short else ""
            _fail(name, f"returned {len(got)} values, expected {len(expected)}{listed}{shown}", hint)
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            check(g, e, names[i] if names else f"{name}[{i}]", tol=tol, hint=hint)
    elif isinstance(expected, dict):
        if not isinstance(got, dict):
            _fail(name, f"should be a dict, got {_describe(got)}", hint)
        missing = sorted(set(expected) - set(got))
        if missing:
            _fail(name, f"has no entry {missing[0]!r}", hint)
        for key in expected:
            check(got[key], expected[key], f"{name}[{key!r}]", tol=tol, hint=hint)
    elif isinstance(expected, bool) or expected is None or isinstance(expected, (str, torch.dtype)):
        if type(got) is not type(expected) or got != expected:
            _fail(name, f"is {_describe(got)}, expected {_describe(expected)}", hint)
    elif isinstance(expected, int):
        if type(got) is not int:
            _fail(name, f"should be a Python int, got {_describe(got)}", hint)
        if got != expected:
            _fail(name, f"is {got}, expected {expected}", hint)
    elif isinstance(expected, float):
        if type(got) not in (int, float):
            _fail(name, f"should be a Python float, got {_describe(got)}", hint)
        rtol, atol = _tolerance(tol, torch.float64)
        if not (got == expected or math.isfinite(got) and math.isfinite(expected)
                and abs(got - expected) <= atol + rtol * abs(expected)):
            _fail(name, f"is {got!r}, expected {expected!r} (tolerance atol={atol:g} + rtol={rtol:g} * "
                        f"|expected|)", hint)
    else:
        raise TypeError(f"check() cannot compare a {type(expected).__name__}")
