"""`autograder validate NAME`: the proof that the grader is fair, in one grading call.

- the reference solution scores full marks;
- the released stubs score zero, with no grader error;
- every wrong implementation in hidden/NAME/catalogue loses points in each part it names, and only there;
- every correct implementation there scores full marks;
- diagnosis (autograder.diagnosis), where hidden/NAME/catalogue/diagnosis/diagnosis.toml is: each variant (a
  catalogue mistake written differently) is diagnosed as its entry (recall at least MIN_RECALL), and no
  submission of that set, nor any correct one, gets a diagnosis it should not (precision 100 %).

The catalogue is hidden/NAME/catalogue/catalogue.toml plus one folder per entry
(wrong/ENTRY/FILE or correct/ENTRY/FILE); the entry's other files are the reference's. The diagnosis set is
diagnosis/diagnosis.toml plus diagnosis/NAME/FILE, alike.
"""
from __future__ import annotations

import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

from autograder.config import Assignment, ConfigError
from autograder.grade import grade
from autograder.report import Result

MIN_WRONG_PER_FILE = 10
MIN_CORRECT_PER_FILE = 3
MIN_RECALL = 0.9  # of the diagnosis set's variants, diagnosed as the entry they rewrite


@dataclass
class Expectation:
    kind: str  # reference, stubs, wrong, correct
    name: str
    source: Path
    description: str = ""
    loses: tuple[str, ...] = ()
    expect: str | None = None  # diagnosis set: the entry it must be diagnosed as ('' none); None: not in the set
    allowed: dict[str, str] = field(default_factory=dict)  # a double: part -> the one of its mistakes that
    #   alone loses that part, and may be named there

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
        if self.kind == "double" and full:
            return "should lose points (it has two mistakes)"
        if self.kind in ("wrong", "variant"):
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


def diagnosis_set(assignment: Assignment) -> list[Expectation]:
    """The submissions of hidden/NAME/catalogue/diagnosis/diagnosis.toml ([] where there is none)."""
    folder = assignment.hidden_dir / "catalogue" / "diagnosis"
    path = folder / "diagnosis.toml"
    if not path.is_file():
        return []
    wrong = tomllib.loads((folder.parent / "catalogue.toml").read_text()).get("wrong", {})
    entries = []
    for kind, table in tomllib.loads(path.read_text()).items():
        if kind not in ("variant", "correct", "double"):
            raise ConfigError(f"{path}: [{kind}] is not a kind of the diagnosis set; use [variant.NAME], "
                              f"[correct.NAME] or [double.NAME].")
        for name, entry in table.items():
            file, expect = entry.get("file"), entry.get("expect", "")
            if file not in assignment.files or not (folder / name / file).is_file():
                raise ConfigError(f"{path}: [{kind}.{name}] needs file = one of {list(assignment.files)} and "
                                  f"{folder / name / str(file)}.")
            if kind == "variant" and (expect not in wrong or wrong[expect].get("file") != file):
                raise ConfigError(f"{path}: [variant.{name}] expect = {expect!r} should name a [wrong.ENTRY] of "
                                  f"{folder.parent / 'catalogue.toml'} whose file is {file}.")
            if kind != "variant" and expect:
                raise ConfigError(f"{path}: [{kind}.{name}] has expect = {expect!r}; only a variant is diagnosed.")
            mistakes = entry.get("mistakes", [])
            if kind == "double" and (len(mistakes) != 2 or any(wrong.get(m, {}).get("file") != file
                                                                for m in mistakes)):
                raise ConfigError(f"{path}: [double.{name}] mistakes = {mistakes!r} should name two [wrong.ENTRY] "
                                  f"of {folder.parent / 'catalogue.toml'} whose file is {file}.")
            losing = {p: [m for m in mistakes if p in wrong[m].get("loses", ())] for p in assignment.parts}
            allowed = {p: found[0] for p, found in losing.items() if len(found) == 1}
            loses = tuple(wrong[expect].get("loses", ())) if kind == "variant" else ()
            entries.append(Expectation(kind, f"diagnosis/{name}", folder / name, entry.get("description", ""), loses,
                                       expect, allowed))
    return entries


def named(result: Result) -> set[str]:
    """The catalogue entries a result's feedback names."""
    return {t.diagnosis["entry"] for t in result.tests if t.diagnosis}


def _wrongly_named(entry: Expectation, result: Result) -> set[str]:
    """What the feedback names that it should not: for a double, anything but the one of its mistakes that alone
    loses a part, in that part; else anything but the expected entry."""
    if entry.kind == "double":
        return {t.diagnosis["entry"] for t in result.tests
                if t.diagnosis and entry.allowed.get(t.part) != t.diagnosis["entry"]}
    return named(result) - {entry.expect}


def diagnosis_report(graded: list[tuple[Expectation, Result]]) -> tuple[str, list[str]]:
    """(recall and precision in one line, the failures) of the diagnosis set's submissions."""
    proof = [(e, named(r), _wrongly_named(e, r)) for e, r in graded if e.expect is not None]
    variants = [(e, found) for e, found, _ in proof if e.kind == "variant"]
    recalled = sum(found == {e.expect} for e, found in variants)
    wrong = [(e, bad) for e, _, bad in proof if bad]
    diagnosed = sum(bool(found) for _, found, _ in proof)
    selves = [(e, named(r)) for e, r in graded if e.kind == "wrong"]
    line = (f"diagnosis: recall {recalled}/{len(variants)} ({100 * recalled / max(1, len(variants)):.0f} %), "
            f"precision {diagnosed - len(wrong)}/{diagnosed} "
            f"({100 * (diagnosed - len(wrong)) / max(1, diagnosed):.0f} %), {len(wrong)} wrong diagnoses on "
            f"{len(proof)} submissions of the diagnosis set; the catalogue's wrong entries name themselves "
            f"{sum(e.name in found for e, found in selves)}/{len(selves)}")
    failures = [f"{e.kind} {e.name}: diagnosed as {', '.join(sorted(bad))}" +
                (f", not (only) {e.expect}" if e.expect else ", which it should not be") for e, bad in wrong]
    if variants and recalled < MIN_RECALL * len(variants):
        missed = [f"{e.name} ({e.expect})" for e, found in variants if found != {e.expect}]
        failures.append(f"diagnosis recall {recalled}/{len(variants)} is below {MIN_RECALL:.0%}; not diagnosed as "
                        f"their entry: {', '.join(missed)}")
    return line, failures


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
    entries += diagnosis_set(assignment)
    for entry in entries:
        if entry.kind in ("reference", "correct") and entry.expect is None:
            entry.expect = ""  # a correct submission gets no diagnosis
    if not assignment.release_dir.is_dir():
        raise ConfigError(f"{assignment.release_dir} does not exist; did you run autograder release "
                          f"{assignment.name}?")
    with tempfile.TemporaryDirectory(prefix="validate-") as tmp:
        sources = []
        for entry in entries:
            target = Path(tmp) / f"{entry.kind}-{entry.name.replace('/', '-')}"
            target.mkdir()
            for file in assignment.files:
                own = entry.source / file
                shutil.copyfile(own if own.exists() else assignment.solution_dir / file, target / file)
            sources.append(target)
        results = grade(assignment, sources, None, jobs, names=[s.name for s in sources])
    table = Table(title=f"validate {assignment.name}: {len(entries)} submissions")
    for column in ("kind", "submission", "score", "expected", "diagnosis", "verdict"):
        table.add_column(column)
    failures = _shortfalls(assignment, entries)
    for entry, result in zip(entries, results, strict=True):
        problem = entry.verdict(result)
        expected = {"reference": "full", "correct": "full", "stubs": "0", "double": "< full"}.get(entry.kind) or \
            f"< full in {', '.join(entry.loses)}"
        if entry.kind == "variant":
            expected += f", diagnosed {entry.expect}"
        table.add_row(entry.kind, entry.name, f"{result.score:g}/{result.max_score:g}", expected,
                      ", ".join(sorted(named(result))),
                      f"[red]{problem}[/red]" if problem else "[green]ok[/green]")
        if problem:
            failures.append(f"{entry.kind} {entry.name}: {problem}")
    console.print(table)
    if any(e.kind in ("variant", "double") for e in entries):
        line, wrong = diagnosis_report(list(zip(entries, results, strict=True)))
        console.print(line)
        failures += wrong
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
