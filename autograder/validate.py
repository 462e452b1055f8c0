"""`autograder validate NAME`: the proof that the grader is fair, in one grading call.

- the reference solution scores full marks;
- the released stubs score zero, with no grader error;
- every wrong implementation in hidden/NAME/catalogue loses points in each part it names, and only there;
- every correct implementation there scores full marks.

The catalogue is hidden/NAME/catalogue/catalogue.toml plus one folder per entry
(wrong/ENTRY/FILE or correct/ENTRY/FILE); the entry's other files are the reference's.
"""
from __future__ import annotations

import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.config import Assignment, ConfigError
from autograder.grade import grade
from autograder.report import Result

MIN_WRONG_PER_FILE = 10
MIN_CORRECT_PER_FILE = 3


@dataclass
class Expectation:
    kind: str  # reference, stubs, wrong, correct
    name: str
    source: Path
    description: str = ""
    loses: tuple[str, ...] = ()

    def verdict(self, result: Result) -> str:
        """'' when the result is what this entry must get, else what went wrong."""
        if result.error or result.grader_errors:
            first = result.error or result.grader_errors[0].message
            return f"grader error: {first.splitlines()[0][:150]}"
        full = result.score >= result.max_score - 1e-9
        if self.kind in ("reference", "correct") and not full:
            failed = next(t for t in result.tests if not t.passed)
            return f"should score full marks; failed {failed.name}: {failed.message.splitlines()[0][:150]}"
        if self.kind == "stubs" and result.score > 0:
            return f"should score 0, scored {result.score:g}"
        if self.kind == "wrong":
            parts = result.assignment.parts
            kept = [p for p in self.loses if result.part_score(p) >= parts[p].points - 1e-9]
            if kept:
                return f"should lose points in {', '.join(kept)}"
            lost = [p for p in parts if p not in self.loses and result.part_score(p) < parts[p].points - 1e-9]
            if lost:  # partial credit must name what is wrong: only the parts the mistake touches lose points
                return f"loses points in {', '.join(lost)} too; its catalogue entry lists only {', '.join(self.loses)}"
        return ""


def catalogue(assignment: Assignment) -> list[Expectation]:
    """The catalogue's entries, checked against grading.toml and the folders on disk."""
    folder = assignment.hidden_dir / "catalogue"
    path = folder / "catalogue.toml"
    if not path.is_file():
        raise ConfigError(f"{path} does not exist; list the wrong and correct implementations of "
                          f"'{assignment.name}' there.")
    data = tomllib.loads(path.read_text())
    entries = []
    for kind in ("wrong", "correct"):
        for name, entry in data.get(kind, {}).items():
            file = entry.get("file")
            if file not in assignment.files:
                raise ConfigError(f"{path}: [{kind}.{name}] file = {file!r} is not one of {assignment.files}.")
            if not (folder / kind / name / file).is_file():
                raise ConfigError(f"{path}: [{kind}.{name}] has no {folder / kind / name / file}.")
            loses = tuple(entry.get("loses", ()))
            unknown = [p for p in loses if p not in assignment.parts]
            if unknown or (kind == "wrong" and not loses):
                raise ConfigError(f"{path}: [{kind}.{name}] loses = {list(loses)} must name parts among "
                                  f"{list(assignment.parts)}.")
            entries.append(Expectation(kind, name, folder / kind / name, entry.get("mistake") or
                                       entry.get("approach", ""), loses))
    return entries


def _shortfalls(assignment: Assignment, entries: list[Expectation]) -> list[str]:
    problems = []
    for file in assignment.files:
        for kind, least in (("wrong", MIN_WRONG_PER_FILE), ("correct", MIN_CORRECT_PER_FILE)):
            count = sum(1 for e in entries if e.kind == kind and (e.source / file).exists())
            if count < least:
                problems.append(f"the catalogue has {count} {kind} implementations of {file}; at least {least} "
                                f"are required")
    return problems


def validate(assignment: Assignment, jobs: int, console: Console | None = None) -> bool:
    """Grade the reference, the stubs and the catalogue; print a table; True when all is as expected."""
    console = console or Console()
    entries = [Expectation("reference", "reference", assignment.solution_dir),
               Expectation("stubs", "stubs", assignment.release_dir)] + catalogue(assignment)
    if not assignment.release_dir.is_dir():
        raise ConfigError(f"{assignment.release_dir} does not exist; did you run autograder release "
                          f"{assignment.name}?")
    with tempfile.TemporaryDirectory(prefix="validate-") as tmp:
        sources = []
        for entry in entries:
            target = Path(tmp) / f"{entry.kind}-{entry.name}"
            target.mkdir()
            for file in assignment.files:
                own = entry.source / file
                shutil.copyfile(own if own.exists() else assignment.solution_dir / file, target / file)
            sources.append(target)
        results = grade(assignment, sources, None, jobs, names=[s.name for s in sources])
    table = Table(title=f"validate {assignment.name}: {len(entries)} submissions")
    for column in ("kind", "submission", "score", "expected", "verdict"):
        table.add_column(column)
    failures = _shortfalls(assignment, entries)
    for entry, result in zip(entries, results, strict=True):
        problem = entry.verdict(result)
        expected = {"reference": "full", "correct": "full", "stubs": "0"}.get(entry.kind) or \
            f"< full in {', '.join(entry.loses)}"
        table.add_row(entry.kind, entry.name, f"{result.score:g}/{result.max_score:g}", expected,
                      f"[red]{problem}[/red]" if problem else "[green]ok[/green]")
        if problem:
            failures.append(f"{entry.kind} {entry.name}: {problem}")
    console.print(table)
    counts = {kind: sum(e.kind == kind for e in entries) for kind in ("wrong", "correct")}
    if failures:
        console.print(f"[red]validate {assignment.name} FAILED[/red] ({len(failures)} problems):")
        for failure in failures:
            console.print(f"  - {failure}")
        return False
    console.print(f"validate {assignment.name}: reference full marks, stubs 0, {counts['wrong']} wrong "
                  f"implementations all lose points exactly in the parts they name, "
                  f"{counts['correct']} correct ones full marks")
    return True
