"""Scores into nbgrader's gradebook.db, in bulk: one session and one commit for any number of submissions,
through nbgrader's own models (so `nbgrader export` and formgrader read it as their own).

The assignment is NAME, each part a notebook, each hidden test a grade cell of its part's notebook, each
test's score the auto_score of that cell's grade. A submission is mirrored as nbgrader's add_submission
does (a submitted notebook per notebook, a grade per grade cell); grades missing from an older
submission (a test added since) are created.
"""
from __future__ import annotations

import datetime
import itertools
import os
import sys
import warnings
from pathlib import Path

from nbgrader.api import Assignment as NbAssignment
from nbgrader.api import (
    Grade,
    Gradebook,
    GradeCell,
    Notebook,
    Student,
    SubmittedAssignment,
    SubmittedNotebook,
    new_uuid,
)
from sqlalchemy import bindparam
from sqlalchemy.exc import SAWarning

from autograder.config import Assignment
from autograder.report import Result
from autograder.roster import Roster


def url(course: Path) -> str:
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


def _ids():
    """Unique 32-character row ids, as nbgrader's new_uuid makes them, at a fraction of its cost."""
    base, count = new_uuid()[:20], itertools.count()
    return lambda: f"{base}{next(count):012x}"


def _structure(db, assignment: Assignment, results: list[Result]) -> tuple[NbAssignment, dict]:
    """The assignment, its notebooks and grade cells, created or updated; {(part, test): GradeCell}."""
    record = db.query(NbAssignment).filter(NbAssignment.name == assignment.name).one_or_none()
    if record is None:
        record = NbAssignment(name=assignment.name)
        db.add(record)
    notebooks = {n.name: n for n in record.notebooks}
    for part in assignment.parts:
        if part not in notebooks:
            notebooks[part] = Notebook(name=part, assignment=record)
            db.add(notebooks[part])
    cells = {(n.name, c.name): c for n in notebooks.values() for c in n.grade_cells}
    for result in results:
        for test in result.tests:
            cell = cells.get((test.part, test.name))
            if cell is None:
                cell = cells[test.part, test.name] = GradeCell(name=test.name, notebook=notebooks[test.part],
                                                               max_score=test.max_score, cell_type="code")
                db.add(cell)
            elif cell.max_score != test.max_score:
                cell.max_score = test.max_score
    return record, cells


def _utc(moment: datetime.datetime | None) -> datetime.datetime | None:
    """nbgrader's convention: naive datetimes in UTC."""
    return moment.astimezone(datetime.UTC).replace(tzinfo=None) if moment and moment.tzinfo else moment


def _students(db, results: list[Result], roster: Roster | None) -> None:
    """A row for every student graded and every student on the roster (with their name and email)."""
    people = {r.submission: {"id": r.submission} for r in results}
    for student in roster.students if roster else []:
        if student.id:
            first, last = student.first_last
            people[student.id] = {"id": student.id, "first_name": first, "last_name": last,
                                  "email": student.email or None}
    known = {s for (s,) in db.query(Student.id).filter(Student.id.in_(list(people)))}
    db.bulk_insert_mappings(Student, [row for s, row in people.items() if s not in known])
    db.bulk_update_mappings(Student, [row for s, row in people.items() if s in known and len(row) > 1])


def write(assignment: Assignment, course: Path, results: list[Result], roster: Roster | None = None) -> None:
    """Every result's test scores, in one transaction (rows inserted and updated in bulk); with [NAME.late],
    the due date, each student's extension and late penalty in nbgrader's own fields; with a roster, every
    student on it (nbgrader's export gives those who handed in nothing 0)."""
    results = [r for r in results if not r.missing]
    if not results and not roster:
        return
    with warnings.catch_warnings():  # nbgrader's SQLAlchemy warnings about its own session handling
        warnings.simplefilter("ignore", SAWarning)
        _write(assignment, course, results, roster)


def _write(assignment: Assignment, course: Path, results: list[Result], roster: Roster | None) -> None:
    scripts = str(Path(sys.executable).parent)  # nbgrader runs `alembic`, installed beside this Python
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    with Gradebook(url(course)) as book:
        db = book.db
        record, cells = _structure(db, assignment, results)
        policy = assignment.late
        record.duedate = _utc(policy.due) if policy else None
        db.flush()
        notebooks = {n.id: n.name for n in record.notebooks}
        cell_ids = {key: cell.id for key, cell in cells.items()}
        ids = [r.submission for r in results]
        _students(db, results, roster)
        submitted = dict(db.query(SubmittedAssignment.student_id, SubmittedAssignment.id).filter(
            SubmittedAssignment.assignment_id == record.id, SubmittedAssignment.student_id.in_(ids)))
        own = {(student, notebook): sid for sid, student, notebook in db.query(
            SubmittedNotebook.id, SubmittedAssignment.student_id, SubmittedNotebook.notebook_id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .filter(SubmittedAssignment.id.in_(list(submitted.values())))}
        grades = {(notebook, cell): gid for gid, notebook, cell in db.query(Grade.id, Grade.notebook_id, Grade.cell_id)
                  .filter(Grade.notebook_id.in_(list(own.values())))}
        ids = _ids()
        rows = {kind: [] for kind in ("submissions", "timestamps", "notebooks", "penalties", "new", "scores")}
        for result in results:
            student = result.submission
            stamp = _utc(result.submitted) or _timestamp(course / "submitted" / student / assignment.name)
            extension = policy.extensions.get(student) if policy else None
            times = {"timestamp": stamp, "extension": extension - policy.due if extension else None}
            if student in submitted:
                rows["timestamps"].append({"id": submitted[student], **times})
            else:
                submitted[student] = ids()
                rows["submissions"].append({"id": submitted[student], "assignment_id": record.id,
                                            "student_id": student, **times})
            scores = {(t.part, t.name): t.score for t in result.tests}
            for position, (notebook_id, notebook) in enumerate(notebooks.items()):
                penalty = result.penalty if position == 0 else 0.0  # the assignment's penalty: their sum
                mine = own.get((student, notebook_id))
                if mine is None:
                    mine = own[student, notebook_id] = ids()
                    rows["notebooks"].append({"id": mine, "assignment_id": submitted[student],
                                              "notebook_id": notebook_id, "late_submission_penalty": penalty})
                else:
                    rows["penalties"].append({"id": mine, "late_submission_penalty": penalty})
                for (part, name), cell in cell_ids.items():
                    if part != notebook:
                        continue
                    score = scores.get((part, name), 0.0)
                    if (mine, cell) in grades:
                        rows["scores"].append({"grade": grades[mine, cell], "score": score})
                    else:
                        rows["new"].append({"id": ids(), "notebook_id": mine, "cell_id": cell,
                                            "auto_score": score, "needs_manual_grade": True})
        db.bulk_insert_mappings(SubmittedAssignment, rows["submissions"])
        db.bulk_update_mappings(SubmittedAssignment, rows["timestamps"])
        db.bulk_insert_mappings(SubmittedNotebook, rows["notebooks"])
        db.bulk_update_mappings(SubmittedNotebook, rows["penalties"])
        table = Grade.__table__
        if rows["new"]:
            db.execute(table.insert(), rows["new"])
        if rows["scores"]:
            db.execute(table.update().where(table.c.id == bindparam("grade")).values(auto_score=bindparam("score")),
                       rows["scores"])
        db.commit()
