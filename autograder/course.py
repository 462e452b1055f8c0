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
import datetime
import html
import os
import sys
from pathlib import Path

from nbgrader.api import Gradebook

from autograder import report
from autograder.config import Assignment, ConfigError
from autograder.grade import grade
from autograder.report import Result


def gradebook_url(course: Path) -> str:
    return f"sqlite:///{(course / 'gradebook.db').resolve()}"


def _timestamp(folder: Path) -> datetime.datetime | None:
    stamp = folder / "timestamp.txt"
    if not stamp.exists():
        return None
    text = stamp.read_text().strip().removesuffix(" UTC")
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")
    except ValueError:
        return None


def write_gradebook(assignment: Assignment, course: Path, results: list[Result]) -> None:
    """Each test as a grade cell of a notebook named after its part, each score as its auto_score."""
    cells = {}
    for result in results:
        for test in result.tests:
            cells.setdefault((test.part, test.name), test.max_score)
    scripts = str(Path(sys.executable).parent)  # nbgrader runs `alembic`, installed beside this Python
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    with Gradebook(gradebook_url(course)) as gradebook:
        gradebook.update_or_create_assignment(assignment.name)
        for part in assignment.parts:
            gradebook.update_or_create_notebook(part, assignment.name)
        for (part, name), max_score in cells.items():
            gradebook.update_or_create_grade_cell(name, part, assignment.name, max_score=max_score,
                                                  cell_type="code")
        for result in results:
            student = result.submission
            gradebook.update_or_create_student(student)
            folder = course / "submitted" / student / assignment.name
            submission = gradebook.update_or_create_submission(assignment.name, student,
                                                               timestamp=_timestamp(folder))
            scores = {(t.part, t.name): t.score for t in result.tests}
            for notebook in submission.notebooks:
                for cell in notebook.grades:
                    cell.auto_score = scores.get((notebook.name, cell.name), 0.0)
            gradebook.db.commit()


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
    with canvas.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment.name])
        writer.writerow(["Points Possible", "", "", "", "", f"{assignment.max_score:g}"])
        for r in results:
            writer.writerow(["", r.submission, "", "", "", f"{r.score:g}"])
    with moodle.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Identifier", "Full name", "Email address", "Grade", "Maximum Grade", "Feedback comments"])
        for r in results:
            writer.writerow([f"Participant {r.submission}", "", "", f"{r.score:g}", f"{r.max_score:g}",
                             report.summary_text(r).replace("\n", " ")])
    with tests.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "part", "test", "score", "max_score", "status"])
        for r in results:
            for t in r.tests:
                writer.writerow([r.submission, t.part, t.name, round(t.score, 6), round(t.max_score, 6),
                                 "passed" if t.passed else "failed"])
    return [canvas, moodle, tests]


def grade_course(assignment: Assignment, course: Path, jobs: int) -> list[Result]:
    """Grade every course/submitted/STUDENT/NAME and write results, gradebook, feedback and exports."""
    folders = sorted((course / "submitted").glob(f"*/{assignment.name}"))
    if not folders:
        raise ConfigError(f"{course / 'submitted'} holds no STUDENT/{assignment.name} folder; run autograder "
                          f"collect {assignment.name} first.")
    results = grade(assignment, folders, None, jobs, names=[f.parent.name for f in folders])
    for result in results:
        student = result.submission
        report.write(result, course / "autograded" / student, folder_name=assignment.name)
        page = course / "feedback" / student / assignment.name / "feedback.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(feedback_html(result))
    write_gradebook(assignment, course, results)
    write_exports(assignment, course, results)
    return results
