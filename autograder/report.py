"""Results: scores per test and part, Gradescope's results.json, feedback text, CSV, summary table."""
from __future__ import annotations

import datetime
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from autograder import diagnosis
from autograder.config import Assignment

if TYPE_CHECKING:
    from autograder.late import Late


@dataclass
class TestResult:
    name: str
    part: str
    score: float
    max_score: float
    passed: bool
    message: str = ""
    grader_error: bool = False
    diagnosis: dict = field(default_factory=dict)  # the catalogue mistake its part reproduces (autograder.diagnosis)
    heatmap: dict = field(default_factory=dict)  # where a tensor differs (autograder.heatmap), for feedback.html


@dataclass
class Result:
    """The grade of one submission."""
    assignment: Assignment
    submission: str
    tests: list[TestResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # why some files could not be used
    error: str = ""  # set when grading itself failed (not the student's fault)
    seconds: float = 0.0
    max_rss_kb: int = 0
    submitted: datetime.datetime | None = None  # when it was handed in (timestamp.txt), if known
    late: Late | None = None  # set when the assignment has a late policy and the submission a time
    missing: bool = False  # on the roster, nothing handed in: scores 0

    @property
    def score(self) -> float:
        """The raw score: the sum of the tests' points, before any late penalty."""
        return round(sum(t.score for t in self.tests), 4)

    @property
    def penalty(self) -> float:
        return self.late.penalty if self.late else 0.0

    @property
    def final_score(self) -> float:
        return round(self.score - self.penalty, 4)

    @property
    def max_score(self) -> float:
        return self.assignment.max_score

    def part_score(self, part: str) -> float:
        return round(sum(t.score for t in self.tests if t.part == part), 4)

    @property
    def grader_errors(self) -> list[TestResult]:
        return [t for t in self.tests if t.grader_error]

    def diagnosis(self, part: str) -> dict:
        """The catalogue mistake a failing part reproduces ({} when none does)."""
        return next((t.diagnosis for t in self.tests if t.part == part and t.diagnosis), {})


def score_outcomes(assignment: Assignment, outcomes: list[dict]) -> list[TestResult]:
    """Split each part's points evenly over its tests; a part with no test gets one failed entry."""
    results = []
    for name, part in assignment.parts.items():
        mine = [o for o in outcomes if o["part"] == name]
        for o in mine:
            each = part.points / len(mine)
            results.append(TestResult(f"{name}: {o['name']}", name, each if o["passed"] else 0.0, each,
                                      o["passed"], o["message"], o.get("grader_error", False),
                                      o.get("diagnosis") or {}, o.get("heatmap") or {}))
        if not mine:
            results.append(TestResult(f"{name}: no test ran", name, 0.0, part.points, False,
                                      "no hidden test of this part ran (see the grading error)", True))
    return results


def gradescope(result: Result) -> dict:
    """Gradescope's results.json schema: score, output, tests[name, score, max_score, status, output], with
    the visibility, numbers and tags of grading.toml's [NAME.gradescope] and parts."""
    assignment = result.assignment
    show, settings = assignment.show_hidden_details, assignment.gradescope
    tests, counts = [], {}
    for t in result.tests:
        part = assignment.parts[t.part]
        counts[t.part] = counts.get(t.part, 0) + 1
        output = t.message if show or t.passed else "failed (details withheld)"
        entry = {
            "name": t.name, "score": t.score, "max_score": t.max_score,
            "status": "passed" if t.passed else "failed",
            "output": f"{diagnosis.sentence(t.diagnosis)}\n\n{output}" if t.diagnosis else output,
            "output_format": settings.output_format,
            "visibility": part.visibility or settings.test_visibility,
        }
        if part.number:
            entry["number"] = f"{part.number}.{counts[t.part]}"
        if part.tags:
            entry["tags"] = list(part.tags)
        if t.diagnosis:
            entry["extra_data"] = {"diagnosis": {k: t.diagnosis[k] for k in ("entry", "mistake", "fix", "matched")}}
        tests.append(entry)
    return {
        "score": result.final_score,
        "output": summary_text(result),
        "output_format": settings.output_format,
        "execution_time": round(result.seconds, 2),
        "visibility": settings.visibility,
        "stdout_visibility": settings.stdout_visibility,
        "tests": tests,
    }


def summary_text(result: Result) -> str:
    if result.missing:
        return f"{result.assignment.name}: 0 / {result.max_score:g} points (no submission)"
    lines = [f"{result.assignment.name}: {result.final_score:g} / {result.max_score:g} points"]
    if result.late and result.assignment.late:
        lines.append(f"Late: {result.late.describe(result.assignment.late.per)}; raw score {result.score:g}, "
                     f"penalty {result.penalty:g}, final score {result.final_score:g}")
    lines += [f"Could not grade: {result.error}"] if result.error else []
    lines += [f"Note: {p}" for p in result.problems]
    return "\n".join(lines)


def feedback_text(result: Result) -> str:
    """A short human-readable report: score per part, then the first failures of each part."""
    lines = [summary_text(result), ""]
    for name, part in result.assignment.parts.items():
        mine = [t for t in result.tests if t.part == name]
        passed = sum(t.passed for t in mine)
        lines.append(f"{name}: {result.part_score(name):g} / {part.points:g}  ({passed} of {len(mine)} tests "
                     f"passed)  {part.description}")
        failed = [t for t in mine if not t.passed]
        if result.diagnosis(name):
            lines.extend(f"  {line}" for line in textwrap.wrap(diagnosis.sentence(result.diagnosis(name)), 100))
        distinct = {t.message.split("(")[0]: t for t in reversed(failed)}  # one per kind of failure
        shown = [t for t in failed if t in distinct.values()][:3]
        for t in shown:
            message = t.message if result.assignment.show_hidden_details else "details withheld"
            lines.append(f"  FAILED {t.name}")
            lines.extend(f"    {line}" for line in message.splitlines()[:12])
        if len(failed) > len(shown):
            lines.append(f"  ... and {len(failed) - len(shown)} more failed tests of {name}")
    return "\n".join(lines) + "\n"


def csv_rows(results: list[Result]) -> list[list]:
    """The rows of grades.csv: a header, then one row per submission."""
    parts = list(results[0].assignment.parts) if results else []
    return [["submission", "score", "max_score", *parts, "raw_score", "late_submission_penalty", "error"],
            *([r.submission, r.final_score, r.max_score, *(r.part_score(p) for p in parts), r.score, r.penalty,
               r.error] for r in results)]


def table(results: list[Result], title: str) -> Table:
    parts = list(results[0].assignment.parts) if results else []
    grid = Table(title=title)
    grid.add_column("submission")
    grid.add_column("score", justify="right")
    for p in parts:
        grid.add_column(p, justify="right")
    grid.add_column("note")
    for r in results:
        found = [f"{p}: {r.diagnosis(p)['entry']}" for p in parts if r.diagnosis(p)]
        note = r.error or "; ".join(r.problems) or ("no submission" if r.missing else "") or \
            ("diagnosis " + ", ".join(found) if found else "")
        if r.penalty:
            note = f"late: -{r.penalty:g} of {r.score:g}; " + note
        grid.add_row(r.submission, f"{r.final_score:.4g}/{r.max_score:g}",
                     *(f"{r.part_score(p):.4g}" for p in parts), note[:80])
    return grid


def print_table(results: list[Result], title: str, console: Console | None = None) -> None:
    (console or Console()).print(table(results, title))
