"""Diagnosis: name the catalogue mistake that a failing part reproduces.

Each `[wrong.NAME]` entry of hidden/NAME/catalogue/catalogue.toml is a mistake students make, with its
student-facing text: `mistake` (what the code does, one sentence that reads after "Your code") and `fix`
(what to change). `diagnose = false` keeps an entry out where a match would mislead.

    judge server, after the reference pass: Catalogue.compute runs every diagnosable entry (instructor code,
        trusted, in the server like the reference) on each student-side call of the parts it loses: once
        for the whole batch, inherited by every judge through the fork
    judge, after its submission's tests: diagnose compares, part by part, what the student's code gave on
        each call with what each entry gave on the same call

An entry is named for a failing part when it contradicts none of the part's tests (wherever the student's
result and the entry's can be compared, they agree within `tolerance_factor` times the part's tolerance,
the tests the student passes included) and reproduces at least one failing test (every call of it); of
several, the one that reproduces the most failing tests, then the first in the catalogue. Student code never
runs here: a judge only compares the data its worker sent back.
"""
from __future__ import annotations

import copy
import importlib.util
import math
import random
import signal
import sys
import time
import tomllib
import types
from dataclasses import dataclass
from pathlib import Path

import torch

from autograder import channel, checks
from autograder.config import Assignment, ConfigError


@dataclass(frozen=True)
class Entry:
    """A diagnosable wrong implementation of the catalogue."""
    name: str
    file: str
    mistake: str
    fix: str
    loses: tuple[str, ...]
    path: Path  # hidden/NAME/catalogue/wrong/NAME/FILE


def catalogue_path(assignment: Assignment) -> Path:
    return assignment.hidden_dir / "catalogue" / "catalogue.toml"


def entries(assignment: Assignment) -> list[Entry]:
    """The catalogue's wrong entries that may be named in feedback, in catalogue order ([] without a catalogue
    or with [NAME.diagnosis] enabled = false)."""
    path = catalogue_path(assignment)
    if not assignment.diagnosis.enabled or not path.is_file():
        return []
    found = []
    for name, entry in tomllib.loads(path.read_text()).get("wrong", {}).items():
        for key, kind in (("mistake", str), ("fix", str), ("diagnose", bool)):
            if key in entry and not isinstance(entry[key], kind):
                raise ConfigError(f"{path}: [wrong.{name}] {key} = {entry[key]!r} should be a "
                                  f"{'true or false' if kind is bool else 'string'}.")
        if not entry.get("diagnose", True):
            continue
        if not entry.get("mistake"):
            raise ConfigError(f"{path}: [wrong.{name}] has no mistake sentence, which its diagnosis shows; write one "
                              f"or set diagnose = false.")
        found.append(Entry(name, entry["file"], entry["mistake"], entry.get("fix", ""), tuple(entry.get("loses", ())),
                           path.parent / "wrong" / name / entry["file"]))
    return found


class _Overrun(Exception):
    pass


def _alarm(signum, frame):
    raise _Overrun()


class Catalogue:
    """The entries' results on the suite's student-side calls: entry name -> call key -> answer.

    An answer is ("value", what the worker would send back), ("raised", exception type name) or None (no
    comparable result: it ran past the call limit or returned what the channel cannot carry)."""

    def __init__(self, assignment: Assignment, reference):
        self.assignment, self.reference = assignment, reference
        self.entries = entries(assignment)
        self.outputs: dict[str, dict] = {}
        self.seconds = 0.0
        self.problems: list[str] = []  # entries that could not be loaded, for the server's log

    def _modules(self, entry: Entry):
        stem = Path(entry.file).stem
        spec = importlib.util.spec_from_file_location(f"_catalogue_{entry.name}_{stem}", entry.path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return types.SimpleNamespace(**{**vars(self.reference), stem: module})

    def compute(self, calls: dict) -> None:
        """Run each entry on the calls (key -> (scenario, inputs, the parts whose tests make it)) of the parts it
        loses."""
        import numpy as np
        import torch

        started = time.perf_counter()
        limit = self.assignment.limits.call_timeout_s
        saved = signal.signal(signal.SIGALRM, _alarm)
        states = random.getstate(), np.random.get_state(), torch.random.get_rng_state()
        try:
            for entry in self.entries:
                try:
                    modules = self._modules(entry)
                except Exception as error:  # noqa: BLE001 - an instructor's file: reported, not fatal
                    self.problems.append(f"{entry.path}: {type(error).__name__}: {error}")
                    continue
                mine = self.outputs[entry.name] = {}
                for key, (scenario, inputs, parts) in calls.items():
                    if parts & set(entry.loses):  # a call that tests of several parts share runs once
                        try:
                            mine[key] = _answer(scenario, modules, inputs, limit)
                        except _Overrun:  # the limit ran out as the call returned
                            mine[key] = None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, saved)
            random.setstate(states[0])  # the judges fork from here: as if the catalogue had never run
            np.random.set_state(states[1])
            torch.random.set_rng_state(states[2])
        self.seconds = time.perf_counter() - started


def _answer(scenario, modules, inputs: dict, limit: float):
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        value = scenario(modules, **copy.deepcopy(inputs))
    except _Overrun:
        return None
    except Exception as error:  # noqa: BLE001 - what the wrong implementation raises is its answer
        return "raised", type(error).__name__
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        return "value", channel.decode(channel.encode(value))
    except channel.ChannelError:
        return None


NAN_MARK = -7.25e37  # a finite stand-in for nan (float32 holds it), so that a nan where the entry has one agrees


def _nan_marked(value):
    """value with every nan replaced by NAN_MARK: the checks (rightly) fail a student's nan against the
    reference's, but a mistake that makes nan (an overflow, a division by zero) makes it where the entry does."""
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.nan_to_num(nan=NAN_MARK, posinf=math.inf, neginf=-math.inf)
    if isinstance(value, float) and math.isnan(value):
        return NAN_MARK
    if isinstance(value, (tuple, list)):
        marked = [_nan_marked(v) for v in value]
        return marked if isinstance(value, list) else tuple(marked)
    if isinstance(value, dict):
        return {k: _nan_marked(v) for k, v in value.items()}
    return value


def _same(student, entry, tolerance) -> bool | None:
    """Whether two answers agree (None: one of them cannot be compared)."""
    if student is None or entry is None:
        return None
    if student[0] != entry[0]:
        return False
    if student[0] == "raised":
        return student[1] == entry[1]
    try:
        checks.check(_nan_marked(student[1]), _nan_marked(entry[1]), tol=tolerance)
    except (checks.CheckFailure, TypeError):
        return False
    return True


def diagnose(assignment: Assignment, catalogue: Catalogue, outcomes: list, answers: dict) -> dict[str, dict]:
    """part -> {"entry", "mistake", "fix", "matched", "failed"} for each failing part an entry explains.

    Of two entries that reproduce as many failing tests, the one whose other lost parts this submission also
    fails wins (an entry that loses a part the submission passes is not its mistake); then the catalogue's order.

    outcomes: the judge's Outcomes (nodeid, part, passed); answers: nodeid -> [(call key, student's answer)]."""
    factor = assignment.diagnosis.tolerance_factor
    tolerance = {dtype: (t.rtol * factor, t.atol * factor) for dtype, t in assignment.tolerance.items()} \
        or (1e-5 * factor, 1e-8 * factor)
    found = {}
    failing = {o.part for o in outcomes if not o.passed}
    for name, part in assignment.parts.items():
        mine = [o for o in outcomes if o.part == name]
        failed = [o for o in mine if not o.passed]
        if not failed or any(o.grader_error for o in mine):
            continue
        best = None
        for entry in catalogue.entries:
            outputs = catalogue.outputs.get(entry.name)
            if entry.file != part.file or name not in entry.loses or outputs is None:
                continue
            matched = _explained(mine, answers, outputs, tolerance)
            # of entries that explain as many tests, the one that loses no part this submission passes
            rank = (matched, -len(set(entry.loses) - failing))
            if matched and (best is None or rank > best[0]):
                best = (rank, entry)
        if best:
            (matched, _), entry = best
            found[name] = {"entry": entry.name, "mistake": entry.mistake, "fix": entry.fix, "matched": matched,
                           "failed": len(failed)}
    return found


def _explained(outcomes: list, answers: dict, outputs: dict, tolerance) -> int:
    """How many failing tests the entry reproduces; 0 if it contradicts any test."""
    matched = 0
    for outcome in outcomes:
        verdicts = [_same(answer, outputs.get(key), tolerance) for key, answer in answers.get(outcome.nodeid, [])]
        if False in verdicts:
            return 0
        matched += bool(not outcome.passed and verdicts and all(verdicts))
    return matched


def sentence(diagnosis: dict) -> str:
    """The diagnosis in words, for every place a student reads it."""
    fix = f" {diagnosis['fix']}" if diagnosis.get("fix") else ""
    return (f"Diagnosis: this looks like a known mistake: your code {diagnosis['mistake'].rstrip('.')}.{fix} "
            f"(It reproduces your results on {diagnosis['matched']} of the {diagnosis['failed']} failed tests of "
            f"this part.)")


def log_problems(catalogue: Catalogue) -> None:
    for problem in catalogue.problems:
        print(f"autograder: catalogue entry not used for diagnosis: {problem}", file=sys.stderr)
