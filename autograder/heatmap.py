"""Where a tensor differs: |got - expected| over its last two axes, as data (judge) and as inline SVG (page).

`difference` runs in the judge when a comparison fails: it finds the first tensor of the result that differs
beyond the tolerance, takes the first sample and channel (the leading indices) where it does, and keeps
|got - expected| over the last two axes, block-maxed down to at most MAX_CELLS a side. `svg` draws it
for feedback.html, so that "wrong only on the border" or "every other column" is seen, not read.
"""
from __future__ import annotations

import html
import math

import torch

MAX_CELLS = 24
LARGEST = 1e300  # |got - expected| drawn for inf and nan: survives the 3-digit rounding (float64's max does not)


def _pairs(got, expected, name: str):
    """(name, got, expected) of every tensor pair, in the order a comparison meets them."""
    if isinstance(expected, torch.Tensor):
        yield name, got, expected
    elif isinstance(expected, (tuple, list)) and isinstance(got, (tuple, list)):
        for i, (g, e) in enumerate(zip(got, expected, strict=False)):
            yield from _pairs(g, e, f"{name}[{i}]")
    elif isinstance(expected, dict) and isinstance(got, dict):
        for key in expected:
            if key in got:
                yield from _pairs(got[key], expected[key], f"{name}[{key!r}]")


def difference(got, expected, tolerance, name: str = "result", names: tuple[str, ...] | None = None) -> dict:
    """{"tensor", "index", "shape", "cells", "max", "wrong"} of the first differing tensor ({} if none).

    tolerance: the checks' (rtol, atol) pair or mapping by dtype name; name: what the comparison calls the
    result; names: those of a tuple's elements."""
    from autograder.checks import _tolerance

    root = name
    for name, g, e in _pairs(got, expected, root):
        if (type(g) is not torch.Tensor or g.shape != e.shape or not e.is_floating_point() or e.ndim == 0
                or not g.is_floating_point()):
            continue
        inner = name[len(root) + 1:-1]
        if names and inner.isdigit() and int(inner) < len(names):
            name = names[int(inner)]
        rtol, atol = _tolerance(tolerance, e.dtype)
        error = (g.double() - e.double()).abs().nan_to_num(nan=math.inf)
        wrong = ~((g.double() == e.double()) | (error <= atol + rtol * e.double().abs()))
        if not wrong.any():
            continue
        first = tuple(int(i) for i in wrong.nonzero()[0])
        lead = first[:-2] if e.ndim >= 2 else ()
        plane = error[lead] if e.ndim >= 2 else error.reshape(1, -1)
        bad = (wrong[lead] if e.ndim >= 2 else wrong.reshape(1, -1)).double()
        size = (min(plane.shape[0], MAX_CELLS), min(plane.shape[1], MAX_CELLS))
        finite = plane.clamp(max=LARGEST)  # inf and nan (made inf) drawn as the largest; JSON stays finite
        cells = torch.nn.functional.adaptive_max_pool2d(finite[None, None], size)[0, 0]
        marks = torch.nn.functional.adaptive_max_pool2d(bad[None, None], size)[0, 0]
        return {"tensor": name, "index": list(lead), "shape": list(plane.shape),
                "cells": [[float(f"{v:.3g}") for v in row] for row in cells.tolist()],
                "wrong": [[int(v) for v in row] for row in marks.tolist()], "max": float(f"{cells.max().item():.3g}")}
    return {}


def _colour(fraction: float) -> str:
    """White (no error) to dark red (the largest), through orange."""
    stops = [(255, 255, 255), (253, 174, 97), (215, 48, 39), (103, 0, 13)]
    x = min(max(fraction, 0.0), 1.0) * (len(stops) - 1) if math.isfinite(fraction) else len(stops) - 1
    low = min(int(x), len(stops) - 2)
    t = x - low
    return "#" + "".join(f"{round(a + (b - a) * t):02x}" for a, b in zip(stops[low], stops[low + 1], strict=True))


def svg(data: dict) -> str:
    """The heatmap as an inline SVG element with its caption; '' without data."""
    if not data:
        return ""
    cells, marks, top = data["cells"], data["wrong"], data["max"] or 1.0
    rows, cols = len(cells), len(cells[0])
    unit = 10
    rects = "".join(
        f'<rect x="{j * unit}" y="{i * unit}" width="{unit}" height="{unit}" fill="{_colour(v / top)}"'
        + (' stroke="#222" stroke-width="0.6"' if marks[i][j] else "") + f"><title>{v:g}</title></rect>"
        for i, row in enumerate(cells) for j, v in enumerate(row))
    lead = ", ".join(str(i) for i in data["index"])
    where = html.escape(data["tensor"] + (f" at [{lead}, :, :]" if lead else ""))
    h, w = data["shape"]
    scaled = "" if (rows, cols) == (h, w) else f", each cell the largest of a block ({rows} x {cols} cells)"
    return (f'<figure class="heatmap"><svg viewBox="0 0 {cols * unit} {rows * unit}" role="img" '
            f'aria-label="|got - expected| of {where}" preserveAspectRatio="xMinYMin meet">{rects}</svg>'
            f"<figcaption>|got - expected| of <code>{where}</code> over its last two axes ({h} x {w}{scaled}): "
            f"white 0, dark red {data['max']:g}; outlined cells are beyond the tolerance</figcaption></figure>")
