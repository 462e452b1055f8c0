"""A course directory in nbgrader's layout: grade everything under submitted/, then write the scores
into nbgrader's gradebook, the feedback where nbgrader's release_feedback looks for it, and grade
files that Canvas and Moodle import.

    COURSE/submitted/STUDENT/NAME/       what `autograder collect` placed
    COURSE/autograded/STUDENT/NAME/      results.json (Gradescope schema) and feedback.txt
    COURSE/feedback/STUDENT/NAME/        feedback.html
    COURSE/gradebook.db                  nbgrader's gradebook: one notebook per part, one grade cell per test
    COURSE/exports/NAME-canvas.csv, NAME-moodle.csv, NAME-grades.csv, NAME-tests.csv (autograder.exports)
    COURSE/reports/NAME.html, NAME.csv, NAME.json   the class report (autograder.classreport)

With a roster (saved by `collect --roster` as COURSE/roster.json) every student on it gets a row, 0 and
"no submission" when they handed in nothing; with [NAME.late] in grading.toml the late penalty is applied
from each timestamp.txt and stored in nbgrader's own late-penalty field, so `nbgrader export` agrees.
"""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import html
import os
import sys
import time
import warnings
from pathlib import Path

from nbgrader.api import Gradebook
from sqlalchemy.exc import SAWarning

from autograder import classreport, exports, late, report
from autograder.config import Assignment, ConfigError
from autograder.grade import grade
from autograder.report import Result
from autograder.roster import Roster


def gradebook_url(course: Path) -> str:
    return f"sqlite:///{(course / 'gradebook.db').resolve()}"


def _utc(moment: datetime.datetime | None) -> datetime.datetime | None:
    """nbgrader's convention: naive datetimes in UTC."""
    return moment.astimezone(datetime.UTC).replace(tzinfo=None) if moment else None


def write_gradebook(assignment: Assignment, course: Path, results: list[Result],
                    roster: Roster | None = None) -> None:
    """Each test as a grade cell of a notebook named after its part, each score as its auto_score; the due
    date, extensions and late penalty in nbgrader's own fields. nbgrader's SQLAlchemy warnings (about its
    own session handling) are kept from the terminal."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)
        _write_gradebook(assignment, course, results, roster)


def _write_gradebook(assignment: Assignment, course: Path, results: list[Result], roster: Roster | None) -> None:
    cells = {}
    for result in results:
        for test in result.tests:
            cells.setdefault((test.part, test.name), test.max_score)
    scripts = str(Path(sys.executable).parent)  # nbgrader runs `alembic`, installed beside this Python
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    policy = assignment.late
    with Gradebook(gradebook_url(course)) as gradebook:
        gradebook.update_or_create_assignment(assignment.name, duedate=_utc(policy.due) if policy else None)
        for part in assignment.parts:
            gradebook.update_or_create_notebook(part, assignment.name)
        for (part, name), max_score in cells.items():
            gradebook.update_or_create_grade_cell(name, part, assignment.name, max_score=max_score,
                                                  cell_type="code")
        for student in roster.students if roster else []:
            if student.id:
                first, last = student.first_last
                gradebook.update_or_create_student(student.id, first_name=first, last_name=last,
                                                   email=student.email or None)
        for result in results:
            if result.missing:
                continue  # nbgrader's export gives a student without a submission 0
            student = result.submission
            gradebook.update_or_create_student(student)
            extension = policy.extensions.get(student) if policy else None
            submission = gradebook.update_or_create_submission(
                assignment.name, student, timestamp=_utc(result.submitted),
                extension=extension - policy.due if extension else None)
            scores = {(t.part, t.name): t.score for t in result.tests}
            for index, notebook in enumerate(submission.notebooks):
                notebook.late_submission_penalty = result.penalty if index == 0 else 0.0
                for cell in notebook.grades:
                    cell.auto_score = scores.get((notebook.name, cell.name), 0.0)
            gradebook.db.commit()


def feedback_html(result: Result) -> str:
    """The feedback of one submission as a page: score per part, then the failures a student may see."""
    late_line = (f"<p>Late: {html.escape(result.late.describe(result.assignment.late.per))}; raw score "
                 f"{result.score:g}, penalty {result.penalty:g}, final score {result.final_score:g}</p>\n"
                 if result.late and result.assignment.late else "")
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{result.part_score(name):g} / {part.points:g}</td>"
        f"<td>{html.escape(part.description)}</td></tr>" for name, part in result.assignment.parts.items())
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(result.assignment.name)} "
            f"feedback</title></head><body>\n<h1>{html.escape(result.assignment.name)}: {result.final_score:g} / "
            f"{result.max_score:g}</h1>\n{late_line}<table border='1'><tr><th>part</th><th>score</th>"
            f"<th>what it checks</th></tr>{rows}</table>\n<pre>{html.escape(report.feedback_text(result))}</pre>\n"
            f"</body></html>\n")


def _content(assignment: Assignment, folder: Path) -> str:
    digest = hashlib.sha256()
    for file in assignment.files:
        path = folder / file
        digest.update(f"{file}\0{path.stat().st_size if path.is_file() else -1}\0".encode())
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()


def _grade_distinct(assignment: Assignment, folders: list[Path], jobs: int) -> list[Result]:
    """Grade each distinct content once (untouched stubs, identical copies): the judge sees only the declared
    files, so students who hand in the same bytes get the same result, under their own names."""
    first: dict[str, Path] = {}
    for folder in folders:
        first.setdefault(_content(assignment, folder), folder)
    graded = dict(zip(first, grade(assignment, list(first.values()), None, jobs,
                                   names=[f.parent.name for f in first.values()]), strict=True))
    return [dataclasses.replace(graded[key], submission=folder.parent.name, tests=list(graded[key].tests),
                                problems=list(graded[key].problems))
            for folder in folders for key in [_content(assignment, folder)]]


def grade_course(assignment: Assignment, course: Path, jobs: int) -> list[Result]:
    """Grade every course/submitted/STUDENT/NAME and write results, gradebook, feedback and exports."""
    folders = sorted((course / "submitted").glob(f"*/{assignment.name}"))
    if not folders:
        raise ConfigError(f"{course / 'submitted'} holds no STUDENT/{assignment.name} folder; run autograder "
                          f"collect {assignment.name} first.")
    roster = Roster.load(course / "roster.json")
    started = time.monotonic()
    results = _grade_distinct(assignment, folders, jobs)
    seconds = time.monotonic() - started
    for result, folder in zip(results, folders, strict=True):
        result.submitted = late.submitted_at(folder)
        if assignment.late and result.submitted:
            result.late = late.assess(assignment.late, result.submission, result.submitted, result.score)
        student = result.submission
        report.write(result, course / "autograded" / student, folder_name=assignment.name)
        page = course / "feedback" / student / assignment.name / "feedback.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(feedback_html(result))
    graded = {r.submission for r in results}
    missing = [Result(assignment, s.id, missing=True) for s in (roster.students if roster else [])
               if s.id and s.id not in graded]
    write_gradebook(assignment, course, results, roster)
    exports.write(assignment, course / "exports", results + missing, roster)
    classreport.write(assignment, course / "reports", results + missing, seconds)
    return results + missing
