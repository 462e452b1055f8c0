"""A course directory in nbgrader's layout: grade everything under submitted/, then write the scores
into nbgrader's gradebook, the feedback where nbgrader's release_feedback looks for it, and grade
files that Canvas and Moodle import.

    COURSE/submitted/STUDENT/NAME/       what `autograder collect` placed
    COURSE/autograded/STUDENT/NAME/      results.json (Gradescope schema) and feedback.txt
    COURSE/feedback/STUDENT/NAME/        feedback.html
    COURSE/gradebook.db                  nbgrader's gradebook: one notebook per part, one grade cell per test
    COURSE/exports/NAME-canvas.csv, NAME-moodle.csv, NAME-tests.csv
"""
from __future__ import annotations

import csv
import html
from pathlib import Path

from autograder import gradebook, report, store
from autograder.config import Assignment, ConfigError
from autograder.grade import grade
from autograder.gradebook import url as gradebook_url  # noqa: F401 - where the course's gradebook is
from autograder.report import Result


def feedback_html(result: Result) -> str:
    """The feedback of one submission as a page: score per part, then the failures a student may see."""
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{result.part_score(name):g} / {part.points:g}</td>"
        f"<td>{html.escape(part.description)}</td></tr>" for name, part in result.assignment.parts.items())
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(result.assignment.name)} "
            f"feedback</title></head><body>\n<h1>{html.escape(result.assignment.name)}: {result.score:g} / "
            f"{result.max_score:g}</h1>\n<table border='1'><tr><th>part</th><th>score</th><th>what it checks</th>"
            f"</tr>{rows}</table>\n<pre>{html.escape(report.feedback_text(result))}</pre>\n</body></html>\n")


def write_exports(assignment: Assignment, course: Path, results: list[Result]) -> list[Path]:
    """Grade files for Canvas (gradebook import) and Moodle (offline grading worksheet), and per test."""
    folder = course / "exports"
    folder.mkdir(exist_ok=True)
    canvas, moodle, tests = (folder / f"{assignment.name}-{kind}.csv" for kind in ("canvas", "moodle", "tests"))
    with store.replacing(canvas) as stream:
        writer = csv.writer(stream)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment.name])
        writer.writerow(["Points Possible", "", "", "", "", f"{assignment.max_score:g}"])
        for r in results:
            writer.writerow(["", r.submission, "", "", "", f"{r.score:g}"])
    with store.replacing(moodle) as stream:
        writer = csv.writer(stream)
        writer.writerow(["Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Feedback comments"])
        for r in results:
            writer.writerow([f"Participant {r.submission}", "", "", f"{r.score:g}", f"{r.max_score:g}",
                             report.summary_text(r).replace("\n", " ")])
    with store.replacing(tests) as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "part", "test", "score", "max_score", "status"])
        for r in results:
            for t in r.tests:
                writer.writerow([r.submission, t.part, t.name, round(t.score, 6), round(t.max_score, 6),
                                 "passed" if t.passed else "failed"])
    return [canvas, moodle, tests]


class CourseSink:
    """Where a course batch goes: autograded/ and feedback/ per student as each is graded; the gradebook
    (only what changed since the last flush, all on the first) and exports/ every `interval` seconds."""
    interval = 5.0

    def __init__(self, assignment: Assignment, course: Path):
        self.assignment, self.course = assignment, course
        self.pending: dict[str, Result] | None = None  # None: the gradebook was not written yet

    def folder(self, student: str) -> Path:
        return self.course / "autograded" / student / self.assignment.name

    def written(self, result: Result) -> None:
        store.write_atomic(self.course / "feedback" / result.submission / self.assignment.name / "feedback.html",
                           feedback_html(result))
        if self.pending is not None:
            self.pending[result.submission] = result

    def flush(self, results: list[Result]) -> None:
        changed = list(self.pending.values()) if self.pending is not None else results
        gradebook.write(self.assignment, self.course, changed)
        self.pending = {}
        write_exports(self.assignment, self.course, results)


def grade_course(assignment: Assignment, course: Path, jobs: int, **options) -> list[Result]:
    """Grade every course/submitted/STUDENT/NAME and write results, gradebook, feedback and exports
    (options: those of autograder.grade.grade)."""
    folders = sorted((course / "submitted").glob(f"*/{assignment.name}"))
    if not folders:
        raise ConfigError(f"{course / 'submitted'} holds no STUDENT/{assignment.name} folder; run autograder "
                          f"collect {assignment.name} first.")
    options.setdefault("sink", CourseSink(assignment, course))
    return grade(assignment, folders, None, jobs, names=[f.parent.name for f in folders], **options)
