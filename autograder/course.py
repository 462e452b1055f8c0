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

import time
from pathlib import Path

from autograder import classreport, exports, feedback_page, gradebook, late, store
from autograder.config import Assignment, ConfigError
from autograder.grade import grade
from autograder.gradebook import url as gradebook_url  # noqa: F401 - where the course's gradebook is
from autograder.report import Result
from autograder.roster import Roster


class CourseSink:
    """Where a course batch goes: autograded/ and feedback/ per student as each is graded; the gradebook
    (only what changed since the last flush, all on the first) and exports/ every `interval` seconds.
    Each result gets its submission time and, under [NAME.late], its penalty before it is written."""
    interval = 5.0

    def __init__(self, assignment: Assignment, course: Path):
        self.assignment, self.course = assignment, course
        self.roster = Roster.load(course / "roster.json")
        self.pending: dict[str, Result] | None = None  # None: the gradebook was not written yet

    def folder(self, student: str) -> Path:
        return self.course / "autograded" / student / self.assignment.name

    def annotate(self, result: Result) -> None:
        result.submitted = late.submitted_at(self.course / "submitted" / result.submission / self.assignment.name)
        if self.assignment.late and result.submitted:
            result.late = late.assess(self.assignment.late, result.submission, result.submitted, result.score)

    def written(self, result: Result) -> None:
        store.write_atomic(self.course / "feedback" / result.submission / self.assignment.name / "feedback.html",
                           feedback_page.render(result))
        if self.pending is not None:
            self.pending[result.submission] = result

    def missing(self, results: list[Result]) -> list[Result]:
        """The roster's students who handed nothing in, as results that score 0."""
        graded = {r.submission for r in results}
        return [Result(self.assignment, s.id, missing=True) for s in (self.roster.students if self.roster else [])
                if s.id and s.id not in graded]

    def flush(self, results: list[Result]) -> None:
        changed = list(self.pending.values()) if self.pending is not None else results
        gradebook.write(self.assignment, self.course, changed, self.roster if self.pending is None else None)
        self.pending = {}
        exports.write(self.assignment, self.course / "exports", results + self.missing(results), self.roster)


def grade_course(assignment: Assignment, course: Path, jobs: int, **options) -> list[Result]:
    """Grade every course/submitted/STUDENT/NAME and write results, gradebook, feedback, exports and the class
    report (options: those of autograder.grade.grade). Returns the results, the roster's missing students last."""
    folders = sorted((course / "submitted").glob(f"*/{assignment.name}"))
    if not folders:
        raise ConfigError(f"{course / 'submitted'} holds no STUDENT/{assignment.name} folder; run autograder "
                          f"collect {assignment.name} first.")
    sink = options.setdefault("sink", CourseSink(assignment, course))
    started = time.monotonic()
    results = grade(assignment, folders, None, jobs, names=[f.parent.name for f in folders], **options)
    if not isinstance(sink, CourseSink):  # a shard's folder: the course's files are written by autograder merge
        return results
    everyone = results + sink.missing(results)
    classreport.write(assignment, course / "reports", everyone, time.monotonic() - started)
    return everyone
