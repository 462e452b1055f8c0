"""The class report: how the class did, what most students missed, who crashed, timed out, used a
forbidden API or was late, and how long grading took.

    reports/NAME.html   one self-contained page (the histogram embedded as a PNG, no network)
    reports/NAME.json   the same numbers
    reports/NAME.csv    one row per student: status, raw score, penalty, final score, each part
"""
from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
import statistics
from pathlib import Path

from autograder.config import Assignment
from autograder.report import Result

INCIDENTS = {  # kind -> what in a failure message says so (the harness's own wording)
    "timeout": ("did not finish within", "took longer than", "earlier tests of"),
    "crash": ("ended during the call", "ended the worker process", "failed to start"),
    "forbidden": ("which grading.toml forbids",),
}
TOP = 15


def _kind(message: str) -> str:
    """A failure message without its numbers and quoted values: failures of one kind group together."""
    first = message.splitlines()[0] if message else "failed"
    return re.sub(r"(?<![A-Za-z_])-?\d+(\.\d+)?(e-?\d+)?(?![A-Za-z_])", "#", first.split(" (got")[0])[:160]


def summarise(assignment: Assignment, results: list[Result], seconds: float) -> dict:
    """Every number the report shows."""
    handed_in = [r for r in results if not r.missing]
    finals = [r.final_score for r in results]
    parts = {}
    for name, part in assignment.parts.items():
        scores = [r.part_score(name) for r in handed_in]
        parts[name] = {"points": part.points, "mean": round(statistics.fmean(scores), 3) if scores else 0.0,
                       "full_marks_share": round(sum(s >= part.points - 1e-9 for s in scores) / len(scores), 3)
                       if scores else 0.0, "description": part.description}
    failed: dict[str, list[str]] = {}
    attempted: dict[str, int] = {}  # students whose code ran for the test (not "not implemented yet")
    kinds: dict[tuple[str, str], list[str]] = {}
    incidents: dict[str, dict[str, list[str]]] = {kind: {} for kind in INCIDENTS}
    for r in handed_in:
        for t in r.tests:
            stub = not t.passed and t.message.startswith("not implemented yet")
            attempted[t.name] = attempted.get(t.name, 0) + (not stub)
            if t.passed:
                continue
            if not stub:
                failed.setdefault(t.name, []).append(r.submission)
            kinds.setdefault((t.part, _kind(t.message)), [])
            if r.submission not in kinds[(t.part, _kind(t.message))]:
                kinds[(t.part, _kind(t.message))].append(r.submission)
            for kind, phrases in INCIDENTS.items():
                if any(p in t.message for p in phrases):
                    incidents[kind].setdefault(r.submission, []).append(t.name)
    most_failed = sorted(failed.items(), key=lambda item: (-len(item[1]) / attempted[item[0]], item[0]))[:TOP]
    common = sorted(kinds.items(), key=lambda item: (-len(item[1]), item[0]))[:TOP]
    return {
        "assignment": assignment.name, "max_score": assignment.max_score,
        "students": len(results), "handed_in": len(handed_in), "missing": [r.submission for r in results if r.missing],
        "mean": round(statistics.fmean(finals), 3) if finals else 0.0,
        "median": round(statistics.median(finals), 3) if finals else 0.0,
        "full_marks": sum(r.final_score >= assignment.max_score - 1e-9 for r in results),
        "parts": parts,
        "most_failed_tests": [{"test": name, "students": len(who), "of": attempted[name]} for name, who in most_failed],
        "common_failures": [{"part": part, "failure": kind, "count": len(who), "students": who}
                            for (part, kind), who in common],
        "incidents": {kind: [{"student": s, "tests": len(tests)} for s, tests in sorted(found.items())]
                      for kind, found in incidents.items()},
        "late": [{"student": r.submission, "lateness": r.late.describe(assignment.late.per), "raw_score": r.score,
                  "penalty": r.penalty, "final_score": r.final_score}
                 for r in handed_in if r.late and r.late.seconds_late > 0 and assignment.late],
        "grading_errors": [r.submission for r in handed_in if r.error or r.grader_errors],
        "grading_seconds": round(seconds, 1),
        "seconds_per_submission": round(seconds / len(handed_in), 2) if handed_in else 0.0,
        "scores": {r.submission: r.final_score for r in results},
    }


def histogram_png(scores: list[float], max_score: float) -> bytes:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 3.2), dpi=100)
    axes = figure.subplots()
    axes.hist(scores, bins=20, range=(0, max_score), color="#4a7ab7", edgecolor="white")
    axes.set_xlabel(f"final score (of {max_score:g})")
    axes.set_ylabel("students")
    axes.set_title("score distribution")
    figure.tight_layout()
    stream = io.BytesIO()
    figure.savefig(stream, format="png")
    return stream.getvalue()


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>" if rows else "<p>none</p>"


def _who(students: list[str], limit: int = 12) -> str:
    return ", ".join(students[:limit]) + (f" and {len(students) - limit} more" if len(students) > limit else "")


def page(summary: dict, png: bytes) -> str:
    s = summary
    image = base64.b64encode(png).decode()
    incidents = "".join(
        f"<h3>{kind} ({len(found)})</h3>" + _table(["student", "tests affected"], [[i["student"], i["tests"]]
                                                                                  for i in found])
        for kind, found in s["incidents"].items())
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(s['assignment'])}: class report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:1em auto}}table{{border-collapse:collapse;margin:.5em 0}}
td,th{{border:1px solid #bbb;padding:2px 8px;text-align:left}}th{{background:#eee}}</style></head><body>
<h1>{html.escape(s['assignment'])}: class report</h1>
<p>{s['handed_in']} of {s['students']} students handed in ({len(s['missing'])} did not);
mean {s['mean']:g}, median {s['median']:g} of {s['max_score']:g}; {s['full_marks']} with full marks.
Grading took {s['grading_seconds']:g} s ({s['seconds_per_submission']:g} s per submission).</p>
<img alt="histogram of the final scores" src="data:image/png;base64,{image}">
<h2>Parts</h2>
{_table(["part", "mean", "of", "full marks", "what it checks"],
        [[n, p["mean"], p["points"], f"{p['full_marks_share']:.0%}", p["description"]] for n, p in s["parts"].items()])}
<h2>Tests most students failed</h2>
<p>Among the students whose code ran for the test (a stub's "not implemented yet" does not count here).</p>
{_table(["test", "students failing"], [[t["test"], f"{t['students']} of {t['of']}"] for t in s["most_failed_tests"]])}
<h2>Most common failures</h2>
{_table(["part", "failure", "students", "who"],
        [[c["part"], c["failure"], c["count"], _who(c["students"])] for c in s["common_failures"]])}
<h2>Crashes, timeouts, forbidden APIs</h2>
{incidents}
<h2>Late submissions</h2>
{_table(["student", "lateness", "raw", "penalty", "final"],
        [[x["student"], x["lateness"], x["raw_score"], x["penalty"], x["final_score"]] for x in s["late"]])}
<h2>No submission</h2>
<p>{html.escape(_who(s['missing'], 200)) or 'none'}</p>
<h2>Grading errors</h2>
<p>{html.escape(', '.join(s['grading_errors'])) or 'none'}</p>
</body></html>
"""


def write(assignment: Assignment, folder: Path, results: list[Result], seconds: float) -> list[Path]:
    """reports/NAME.html, NAME.json and NAME.csv for these results (missing students included)."""
    folder.mkdir(parents=True, exist_ok=True)
    summary = summarise(assignment, results, seconds)
    target = folder / assignment.name
    paths = [target.with_suffix(".html"), target.with_suffix(".json"), target.with_suffix(".csv")]
    paths[0].write_text(page(summary, histogram_png([r.final_score for r in results], assignment.max_score)))
    paths[1].write_text(json.dumps(summary, indent=1) + "\n")
    with paths[2].open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "status", "raw_score", "late_submission_penalty", "score", *assignment.parts])
        for r in results:
            status = "no submission" if r.missing else "grading error" if r.error else "late" if r.penalty else "graded"
            writer.writerow([r.submission, status, r.score, r.penalty, r.final_score,
                             *(r.part_score(p) for p in assignment.parts)])
    return paths


def course_results(assignment: Assignment, course: Path) -> list[Result]:
    """The results `grade --course` wrote (autograded/STUDENT/NAME/), with the submission times, the late
    policy applied again, and the roster's students who handed in nothing."""
    from autograder import store
    from autograder.course import CourseSink

    sink, results = CourseSink(assignment, course), []
    for folder in sorted((course / "autograded").glob(f"*/{assignment.name}")):
        stored = store.load(assignment, folder)
        if stored:
            sink.annotate(stored[1])
            results.append(stored[1])
    return results + sink.missing(results)
