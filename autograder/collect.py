"""Collect: what students hand in -> nbgrader's submitted/STUDENT/NAME/ layout.

Accepted: an LMS bulk download (a .zip, or the folder it unpacks to) or a folder of per-student
folders. File names are matched with nbgrader's own FileNameCollectorPlugin, one pattern per layout:

- Canvas: `doejohn_12345_67890_conv.py`, `doejohn_LATE_12345_67890_conv.py` (resubmissions get
  `conv-1.py`), or a per-student zip `doejohn_12345_67890_homework.zip`;
- Moodle: `John Doe_12345_assignsubmission_file_/conv.py` (one folder per student);
- plain: `STUDENT/conv.py` or `STUDENT/anything/conv.py`, or `STUDENT.zip`.

Only the assignment's declared files are placed. Whatever cannot be placed (a file whose owner cannot
be told, an unknown student, two submissions for one student, an unreadable zip) is reported by name
and never silently dropped; the timestamp of each submission (the newest of its files) is written to
`timestamp.txt`, as nbgrader does, and a Canvas LATE mark is kept in `late.txt`.
"""
from __future__ import annotations

import datetime
import logging
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from nbgrader.plugins.zipcollect import FileNameCollectorPlugin

from autograder import intake
from autograder.config import Assignment, ConfigError
from autograder.roster import Roster

PATTERNS = {
    "canvas": r"(?:.*/)?(?P<name>[^/_]+)_(?:(?P<late>LATE)_)?(?P<student_id>\d+)_(?P<file_id>\d+)_(?P<filename>[^/]+)$",
    "moodle": r"(?:.*/)?(?P<name>[^/]+)_(?P<student_id>\d+)_assignsubmission_\w+?_?/(?P<filename>.+)$",
    "plain": r"(?P<student_id>[^/]+)/(?P<filename>.+)$",
    "plain-zip": r"(?P<student_id>[^/]+)\.zip$",
}
RESUBMISSION = re.compile(r"^(?P<stem>.+?)-\d+(?P<suffix>\.[^.]+)$")  # Canvas renames conv.py to conv-1.py


@dataclass
class Report:
    placed: dict[str, list[str]] = field(default_factory=dict)  # student -> files placed
    problems: list[str] = field(default_factory=list)  # one sentence each
    missing: list[str] = field(default_factory=list)  # on the roster, nothing handed in


@dataclass
class _Piece:
    student: str
    file: str  # the declared file name it provides
    data: bytes
    origin: str
    when: datetime.datetime
    late: bool = False
    name: str = ""  # the student's name as the LMS wrote it in the file name


_QUIET = logging.getLogger("autograder.collect")
_QUIET.setLevel(logging.ERROR)  # the plugin warns about every name a pattern does not match


def _matcher(pattern: str) -> FileNameCollectorPlugin:
    return FileNameCollectorPlugin(named_regexp=pattern, valid_ext=[".py", ".ipynb", ".zip"], log=_QUIET)


def _members(source: Path) -> list[tuple[str, bytes, datetime.datetime]]:
    """(relative path, content, modification time) of every file in a folder or zip."""
    found = []
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            if path.is_file() and not set(path.relative_to(source).parts) & set(intake.IGNORED_FOLDERS):
                when = datetime.datetime.fromtimestamp(path.stat().st_mtime, datetime.UTC)
                found.append((path.relative_to(source).as_posix(), path.read_bytes(), when))
        return found
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            if not info.is_dir() and not set(PurePosixPath(info.filename).parts) & set(intake.IGNORED_FOLDERS):
                when = datetime.datetime(*info.date_time, tzinfo=datetime.UTC)
                found.append((info.filename, archive.read(info), when))
    return found


def _declared(filename: str, files: tuple[str, ...]) -> str | None:
    name = PurePosixPath(filename).name
    if name in files:
        return name
    match = RESUBMISSION.match(name)
    return match["stem"] + match["suffix"] if match and match["stem"] + match["suffix"] in files else None


def _pieces(assignment: Assignment, source: Path, report: Report) -> list[_Piece]:
    matchers = {layout: _matcher(pattern) for layout, pattern in PATTERNS.items()}
    pieces = []
    for path, data, when in _members(source):
        layout, found = next(((layout, found) for layout, matcher in matchers.items()
                              if (found := matcher._match(path))), (None, None))
        if found is None:
            report.problems.append(f"{path}: cannot tell whose file this is (no Canvas, Moodle or "
                                   f"STUDENT/FILE name); place it by hand")
            continue
        student, filename = found["student_id"], found.get("filename") or path
        late, name = bool(found.get("late")), found.get("name") or ""
        if filename.lower().endswith(".zip"):
            with tempfile.TemporaryDirectory() as tmp:
                inner = Path(tmp) / "submission.zip"
                inner.write_bytes(data)
                files, problems = intake._from_zip(inner, assignment.files)
            for problem in sorted(set(problems.values())):
                report.problems.append(f"{path} ({student}): {problem.replace('submission.zip', 'the zip')}")
            pieces += [_Piece(student, file, content, path, when, late, name) for file, content in files.items()]
            continue
        declared = _declared(filename, assignment.files)
        if declared:
            pieces.append(_Piece(student, declared, data, path, when, late, name))
        elif layout in ("canvas", "moodle"):
            report.problems.append(f"{path} ({student}): not one of {', '.join(assignment.files)}; ignored")
    return pieces


def collect(assignment: Assignment, source: Path, course: Path, roster: Roster | None = None) -> Report:
    """Place the submissions in `source` under course/submitted/STUDENT/NAME/ and report the rest; with a
    roster, save it as course/roster.json for `grade --course` and its exports."""
    if not source.exists():
        raise ConfigError(f"{source} does not exist; pass the LMS bulk download (.zip or folder).")
    report = Report()
    try:
        pieces = _pieces(assignment, source, report)
    except zipfile.BadZipFile as error:
        raise ConfigError(f"{source} could not be read as a zip file ({error}); download it again.") from None
    by_student: dict[str, list[_Piece]] = {}
    for piece in pieces:
        by_student.setdefault(piece.student, []).append(piece)
    for student, mine in sorted(by_student.items()):
        if roster is not None:
            known = roster.find(student, mine[0].name)
            if known is None:
                report.problems.append(f"{student}: not on the roster ({', '.join(sorted({p.origin for p in mine}))}"
                                       f"); add the student or fix the id")
                continue
            student = known.id or roster.bind(known, student).id
        twice = sorted({p.file for p in mine if sum(q.file == p.file for q in mine) > 1})
        if twice:
            origins = sorted(p.origin for p in mine if p.file in twice)
            report.problems.append(f"{student}: two submissions of {', '.join(twice)} ({'; '.join(origins)}); "
                                   f"keep one and collect again")
            continue
        target = course / "submitted" / student / assignment.name
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for piece in mine:
            (target / piece.file).write_bytes(piece.data)
        newest = max(p.when for p in mine)
        (target / "timestamp.txt").write_text(newest.strftime("%Y-%m-%d %H:%M:%S.%f %Z") + "\n")
        if any(p.late for p in mine):
            (target / "late.txt").write_text("marked LATE by the LMS\n")
        report.placed[student] = sorted(p.file for p in mine)
    if roster is not None:
        report.missing = sorted(s.id or s.name for s in roster.students if s.id not in report.placed)
        roster.save(course / "roster.json")
    return report
