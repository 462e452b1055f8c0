"""feedback.html: one submission's feedback as a page a student reads on a phone or a laptop.

The score and a bar per part, then each failing part: its diagnosis first (autograder.diagnosis), then one
example failure per kind of failure (the others of that kind counted, in a <details>), with a heatmap of
where a tensor differs (autograder.heatmap). Self-contained (inline CSS, no script, nothing fetched),
messages wrapped (no horizontal scroll), printable. `show_hidden_details = false` withholds the messages and
heatmaps; the diagnosis, which holds no input, stays.
"""
from __future__ import annotations

import html

from autograder import heatmap
from autograder.report import Result, TestResult

KINDS_SHOWN = 6  # kinds of failure shown per part; the rest are counted

CSS = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f5f6f8}
main{max-width:52rem;margin:0 auto;padding:1rem}
h1{font-size:1.45rem;margin:.25rem 0}
h2{font-size:1.15rem;margin:0 0 .5rem}
h3{font-size:1rem;margin:.75rem 0 .25rem}
h1,h2,h3,p,li,summary,figcaption{overflow-wrap:anywhere}
section{background:#fff;border:1px solid #d9dce3;border-radius:8px;padding:1rem;margin:1rem 0}
.score{font-size:1.2rem;margin:.25rem 0}
.score strong{font-size:1.6rem}
.note{color:#8a4b00}
ul.parts{list-style:none;padding:0;margin:0}
ul.parts li{margin:.6rem 0}
.row{display:flex;justify-content:space-between;gap:.5rem;flex-wrap:wrap}
.row .name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600}
.bar{height:.55rem;background:#e4e6eb;border-radius:4px;overflow:hidden;margin:.2rem 0}
.bar span{display:block;height:100%;background:#2e7d32}
.bar.partial span{background:#d98c00}
.bar.none span{background:#c62828}
.desc{color:#555;font-size:.9rem;margin:0}
.diagnosis{border-left:4px solid #c62828;background:#fff3f2;padding:.6rem .9rem;border-radius:4px;margin:.5rem 0}
.diagnosis p{margin:.3rem 0}
.meta{color:#555;font-size:.9rem}
pre,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f1f3f5;border-radius:6px;padding:.6rem .75rem;
margin:.4rem 0}
figure.heatmap{margin:.5rem 0}
figure.heatmap svg{display:block;width:100%;max-width:16rem;height:auto;border:1px solid #bbb}
figcaption{font-size:.85rem;color:#444;margin-top:.25rem}
details{margin:.3rem 0}
summary{cursor:pointer;color:#1a4f9c}
@media print{body{background:#fff;font-size:11pt}main{max-width:none}section{break-inside:avoid;border-color:#999}
summary{color:#000}}
"""


def _points(value: float) -> str:
    return f"{round(value, 2):g}"


def _kinds(failed: list[TestResult]) -> list[list[TestResult]]:
    """Failed tests grouped by kind of failure (their message up to the first parenthesis), first seen first."""
    groups: dict[str, list[TestResult]] = {}
    for t in failed:
        groups.setdefault(t.message.split("(")[0].strip(), []).append(t)
    return list(groups.values())


def _diagnosis(found: dict) -> str:
    if not found:
        return ""
    fix = f"<p><strong>What to change:</strong> {html.escape(found['fix'])}</p>" if found.get("fix") else ""
    return (f'<div class="diagnosis"><p><strong>This looks like a known mistake:</strong> your code '
            f"{html.escape(found['mistake'].rstrip('.'))}.</p>{fix}<p class=\"meta\">It reproduces your results on "
            f"{found['matched']} of the {found['failed']} failed tests of this part.</p></div>")


def _kind(group: list[TestResult], show: bool) -> str:
    first = group[0]
    message = first.message if show else "details withheld"
    picture = heatmap.svg(next((t.heatmap for t in group if t.heatmap), {})) if show else ""
    rest = ""
    if len(group) > 1:
        names = "".join(f"<li><code>{html.escape(t.name)}</code></li>" for t in group[1:])
        rest = (f"<details><summary>{len(group) - 1} more failed the same way</summary><ul>{names}</ul>"
                f"</details>")
    return f"<h3><code>{html.escape(first.name)}</code></h3><pre>{html.escape(message)}</pre>{picture}{rest}"


def _part_section(result: Result, name: str) -> str:
    part = result.assignment.parts[name]
    failed = [t for t in result.tests if t.part == name and not t.passed]
    groups = _kinds(failed)
    shown = "".join(_kind(g, result.assignment.show_hidden_details) for g in groups[:KINDS_SHOWN])
    more = sum(len(g) for g in groups[KINDS_SHOWN:])
    tail = (f"<p class=\"meta\">and {more} more failed tests of {len(groups) - KINDS_SHOWN} other kinds</p>"
            if more else "")
    return (f'<section class="failing"><h2><code>{html.escape(name)}</code>: {_points(result.part_score(name))} / '
            f"{part.points:g}</h2>{_diagnosis(result.diagnosis(name))}{shown}{tail}</section>")


def render(result: Result) -> str:
    """The page of one result."""
    assignment = result.assignment
    notes = []
    if result.late and assignment.late:
        notes.append(f"Late: {result.late.describe(assignment.late.per)}; raw score {result.score:g}, penalty "
                     f"{result.penalty:g}, final score {result.final_score:g}")
    notes += [f"Could not grade: {result.error}"] if result.error else []
    notes += [f"Note: {p}" for p in result.problems]
    notes += ["No submission."] if result.missing else []
    rows = []
    for name, part in assignment.parts.items():
        mine = [t for t in result.tests if t.part == name]
        score = result.part_score(name)
        share = score / part.points if part.points else 1.0
        kind = "" if share >= 1 - 1e-9 else "partial" if share > 0 else "none"
        rows.append(f'<li><div class="row"><span class="name">{html.escape(name)}</span><span>{_points(score)} / '
                    f'{part.points:g}</span></div><div class="bar {kind}"><span style="width:{100 * share:.1f}%">'
                    f'</span></div><p class="desc">{html.escape(part.description)} ({sum(t.passed for t in mine)} of '
                    f"{len(mine)} tests passed)</p></li>")
    failing = [n for n in assignment.parts if any(t.part == n and not t.passed for t in result.tests)]
    title = html.escape(f"{assignment.name}: feedback for {result.submission}")
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<style>{CSS}</style></head>\n<body><main>\n"
            f"<header><h1>{html.escape(assignment.name)}</h1><p class=\"score\">"
            f"<strong>{_points(result.final_score)}</strong> / {result.max_score:g} points</p>"
            + "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes) + "</header>\n"
            f'<section><h2>Parts</h2><ul class="parts">{"".join(rows)}</ul></section>\n'
            + "\n".join(_part_section(result, n) for n in failing)
            + "\n</main></body></html>\n")
