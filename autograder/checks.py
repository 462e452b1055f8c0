"""Student-facing comparisons: what differs, where, got vs expected, and a hint; and known mistakes.

Checked in order (defined -> type -> length -> shape -> dtype -> finite -> values) and only the first
failure is reported. Used by the hidden suites in the grader and, copied by `autograder release`
as `_checks.py`, by the public tests students run. Depends on torch and the standard library only.

A known mistake (autograder.known_mistakes) is a catalogue entry's result on a public test, stored at release
time in public_data.json as a sketch (per tensor its shape, dtype and three weighted sums; other values as
they are): a failed check whose result has the same sketch is told which mistake it looks like.
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
    The CheckFailure carries what was compared (`got`, `name`, `tol`), for known_mistake.
    """
    __tracebackhide__ = True
    try:
        _compare(got, expected, name, tol, hint, names)
    except CheckFailure as failure:
        failure.got, failure.name, failure.tol = got, name, tol
        raise


def _compare(got, expected, name: str, tol, hint: str, names: tuple[str, ...] | None) -> None:
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
            _compare(g, e, names[i] if names else f"{name}[{i}]", tol, hint, None)
    elif isinstance(expected, dict):
        if not isinstance(got, dict):
            _fail(name, f"should be a dict, got {_describe(got)}", hint)
        missing = sorted(set(expected) - set(got))
        if missing:
            _fail(name, f"has no entry {missing[0]!r}", hint)
        for key in expected:
            _compare(got[key], expected[key], f"{name}[{key!r}]", tol, hint, None)
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


def sketch(value):
    """A few numbers standing for a value: per tensor its shape, dtype and three weighted sums (None where a
    value is not finite); numbers, strings, bools and None as they are; containers element by element."""
    if isinstance(value, torch.Tensor):
        v = value.detach().double().flatten()
        weights = torch.cos(torch.arange(v.numel(), dtype=torch.float64) * 0.7 + 0.3)  # fixed, in [-1, 1]
        sums = [v.sum(), (v * weights).sum(), v.abs().sum()] if torch.isfinite(v).all() else None
        return {"shape": list(value.shape), "dtype": str(value.dtype).replace("torch.", ""),
                "sums": [float(f"{s.item():.10g}") for s in sums] if sums is not None else None}
    if isinstance(value, (tuple, list)):
        return {"items": [sketch(item) for item in value]}
    if isinstance(value, dict):
        return {"keys": {str(key): sketch(item) for key, item in value.items()}}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"value": value, "type": type(value).__name__}
    return {"type": type(value).__name__}


def resembles(got, known, tol, factor: float) -> bool:
    """Whether two sketches agree within `factor` times the tolerance (summed over a tensor's values)."""
    if got.keys() != known.keys():
        return False
    if "shape" in got:
        if got["shape"] != known["shape"] or got["dtype"] != known["dtype"] or None in (got["sums"], known["sums"]):
            return False
        rtol, atol = _tolerance(tol, getattr(torch, known["dtype"], torch.float64))
        size = math.prod(known["shape"])
        allowed = factor * (atol * size + rtol * known["sums"][2])  # bounds every weighted sum of the errors
        return all(abs(a - b) <= allowed for a, b in zip(got["sums"], known["sums"], strict=True))
    if "items" in got:
        return len(got["items"]) == len(known["items"]) and all(
            resembles(a, b, tol, factor) for a, b in zip(got["items"], known["items"], strict=True))
    if "keys" in got:
        return got["keys"].keys() == known["keys"].keys() and all(
            resembles(got["keys"][k], known["keys"][k], tol, factor) for k in known["keys"])
    if got.get("type") != known.get("type"):
        return False
    if got.get("type") == "float" and "value" in got:
        rtol, atol = _tolerance(tol, torch.float64)
        a, b = got["value"], known["value"]
        return a == b or abs(a - b) <= factor * (atol + rtol * abs(b))
    return got.get("value") == known.get("value")


def known_mistake(failure: CheckFailure, test: str, known: dict) -> str:
    """'This looks like a known mistake: ...' when the failed check's result resembles a catalogue entry's
    on this public test (known: public_data.json's "known_mistakes"), else ''."""
    if not hasattr(failure, "got") or not known:
        return ""
    mine = sketch(failure.got)
    for entry in known.get("tests", {}).get(test, []):
        if entry["check"] == failure.name and resembles(mine, entry["sketch"], failure.tol, known["tolerance_factor"]):
            fix = f" {entry['fix']}" if entry.get("fix") else ""
            return f"This looks like a known mistake: your code {entry['mistake'].rstrip('.')}.{fix}"
    return ""
