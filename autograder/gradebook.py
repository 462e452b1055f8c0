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

from autograder.config import Assignment
from autograder.report import Result


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


def write(assignment: Assignment, course: Path, results: list[Result]) -> None:
    """Every result's test scores, in one transaction (rows inserted and updated in bulk)."""
    if not results:
        return
    scripts = str(Path(sys.executable).parent)  # nbgrader runs `alembic`, installed beside this Python
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    with Gradebook(url(course)) as book:
        db = book.db
        record, cells = _structure(db, assignment, results)
        db.flush()
        notebooks = {n.id: n.name for n in record.notebooks}
        cell_ids = {key: cell.id for key, cell in cells.items()}
        ids = [r.submission for r in results]
        known = {s for (s,) in db.query(Student.id).filter(Student.id.in_(ids))}
        db.bulk_insert_mappings(Student, [{"id": s} for s in dict.fromkeys(ids) if s not in known])
        submitted = dict(db.query(SubmittedAssignment.student_id, SubmittedAssignment.id).filter(
            SubmittedAssignment.assignment_id == record.id, SubmittedAssignment.student_id.in_(ids)))
        own = {(student, notebook): sid for sid, student, notebook in db.query(
            SubmittedNotebook.id, SubmittedAssignment.student_id, SubmittedNotebook.notebook_id)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .filter(SubmittedAssignment.id.in_(list(submitted.values())))}
        grades = {(notebook, cell): gid for gid, notebook, cell in db.query(Grade.id, Grade.notebook_id, Grade.cell_id)
                  .filter(Grade.notebook_id.in_(list(own.values())))}
        ids = _ids()
        rows = {kind: [] for kind in ("submissions", "timestamps", "notebooks", "new", "scores")}
        for result in results:
            student = result.submission
            stamp = _timestamp(course / "submitted" / student / assignment.name)
            if student in submitted:
                rows["timestamps"].append({"id": submitted[student], "timestamp": stamp})
            else:
                submitted[student] = ids()
                rows["submissions"].append({"id": submitted[student], "assignment_id": record.id,
                                            "student_id": student, "timestamp": stamp})
            scores = {(t.part, t.name): t.score for t in result.tests}
            for notebook_id, notebook in notebooks.items():
                mine = own.get((student, notebook_id))
                if mine is None:
                    mine = own[student, notebook_id] = ids()
                    rows["notebooks"].append({"id": mine, "assignment_id": submitted[student],
                                              "notebook_id": notebook_id})
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
        table = Grade.__table__
        if rows["new"]:
            db.execute(table.insert(), rows["new"])
        if rows["scores"]:
            db.execute(table.update().where(table.c.id == bindparam("grade")).values(auto_score=bindparam("score")),
                       rows["scores"])
        db.commit()
