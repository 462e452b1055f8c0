"""Grade files that the LMS imports without hand edits, one row per student on the roster (a student who
handed in nothing gets 0 and "no submission"):

- NAME-canvas.csv: Canvas's gradebook import (Grades > Import): `Student, ID, SIS User ID, SIS Login ID,
  Section` and the assignment's column, named as in the roster's export ("convolution (12345)") so that
  Canvas updates that assignment rather than creating one; a `Points Possible` row as Canvas writes it.
- NAME-moodle.csv: Moodle's offline grading worksheet (Assignment > Upload grading worksheet): its
  download's columns, `Identifier` ("Participant N"), `Grade` and `Last modified (grade)` being the three
  the importer requires, `Feedback comments` the feedback it takes.
- NAME-grades.csv: nbgrader's `nbgrader export` columns (raw_score, late_submission_penalty, score).
- NAME-tests.csv: every test's score.
Scores are final (late penalty applied); raw score and penalty are in NAME-grades.csv and the feedback.
"""
from __future__ import annotations

import csv
import datetime
from pathlib import Path

from autograder import report, store
from autograder.config import Assignment
from autograder.report import Result
from autograder.roster import Roster, Student

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
CANVAS_POINTS_POSSIBLE = "    Points Possible"  # as Canvas's export writes it; its import skips the row
MOODLE_COLUMNS = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum Grade",
                  "Grade can be changed", "Last modified (submission)", "Last modified (grade)", "Feedback comments"]
NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]


def _moodle_time(moment: datetime.datetime) -> str:
    """Moodle's own date format ("Wednesday, 2 December 2026, 6:15 PM"), which its importer reads."""
    return f"{moment:%A}, {moment.day} {moment:%B %Y}, {int(moment.strftime('%I'))}:{moment:%M %p}"


def _rows(results: list[Result], roster: Roster | None) -> list[tuple[Student, Result]]:
    """(student, result) in roster order; students graded but not on the roster come last, with their id."""
    by_id = {r.submission: r for r in results}
    rows = [(s, by_id.pop(s.id)) for s in (roster.students if roster else []) if s.id in by_id]
    return rows + [(Student(r.submission), r) for r in by_id.values()]


def _g(value: float) -> str:
    return f"{round(value, 4):g}"


def write(assignment: Assignment, folder: Path, results: list[Result], roster: Roster | None,
          graded_at: datetime.datetime | None = None) -> list[Path]:
    """Write the four grade files into `folder`; `results` includes the roster's missing students."""
    folder.mkdir(parents=True, exist_ok=True)
    graded_at = graded_at or datetime.datetime.now(datetime.UTC)
    rows = _rows(results, roster)
    paths = [folder / f"{assignment.name}-{kind}.csv" for kind in ("canvas", "moodle", "grades", "tests")]
    canvas, moodle, grades, tests = paths
    with store.replacing(canvas) as stream:
        writer = csv.writer(stream)
        writer.writerow([*CANVAS_IDENTITY, roster.canvas_column(assignment.name) if roster else assignment.name])
        writer.writerow([CANVAS_POINTS_POSSIBLE, "", "", "", "", _g(assignment.max_score)])
        for s, r in rows:
            writer.writerow([s.name, s.id, s.sis_user_id, s.sis_login_id, s.section, _g(r.final_score)])
    with store.replacing(moodle) as stream:
        writer = csv.writer(stream)
        writer.writerow(MOODLE_COLUMNS)
        for s, r in rows:
            first, last = s.first_last
            status = "No submission" if r.missing else "Submitted for grading"
            submitted = _moodle_time(r.submitted) if r.submitted else "-"
            writer.writerow([s.identifier or f"Participant {s.id}", f"{first} {last}".strip(), s.email, status,
                             _g(r.final_score), _g(r.max_score), "Yes", submitted, _moodle_time(graded_at),
                             report.summary_text(r).replace("\n", "; ")])
    with store.replacing(grades) as stream:
        writer = csv.writer(stream)
        writer.writerow(NBGRADER_COLUMNS)
        due = assignment.late.due.astimezone(datetime.UTC).replace(tzinfo=None) if assignment.late else ""
        for s, r in rows:
            first, last = s.first_last
            when = r.submitted.astimezone(datetime.UTC).replace(tzinfo=None) if r.submitted else ""
            writer.writerow([assignment.name, due, when, s.id, last, first, s.email, _g(r.score), _g(r.penalty),
                             _g(r.final_score), _g(r.max_score)])
    with store.replacing(tests) as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "part", "test", "score", "max_score", "status"])
        for _, r in rows:
            for t in r.tests:
                writer.writerow([r.submission, t.part, t.name, round(t.score, 6), round(t.max_score, 6),
                                 "passed" if t.passed else "failed"])
    return paths
