"""Rosters as the LMS gives them: Canvas's gradebook export, Moodle's grading worksheet or participants
export, or a plain CSV with an `id` column.

- Canvas (Grades > Export): `Student, ID, SIS User ID, SIS Login ID, Section, <assignments...>`, then a
  `Points Possible` row (and, in some exports, a row of `(read only)` or `Manual Posting` notes); ID is
  the Canvas user id that the bulk download's file names carry.
- Moodle grading worksheet (Assignment > Download grading worksheet): `Identifier` ("Participant 12345",
  the number in the bulk download's folder names), `Full name`, `Email address`, `Status`, `Grade`, ...
- Moodle participants (Participants > Download table data): `First name`, `Last name`, `Email address`,
  optionally `ID number`; it has no participant number, so students are matched to submissions by full
  name and take the number of their bulk-download folder (students who submitted nothing have none, and
  so no row in the Moodle grade file: prefer the grading worksheet as the roster).
- plain: `id` and optionally `name`, `email`.

Every student keeps what the exports need to import without hand edits (name, SIS ids, section,
Moodle identifier, email).
"""
from __future__ import annotations

import csv
import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.config import ConfigError

CANVAS_TEST_STUDENT = "Student, Test"  # the student view's account, in every Canvas export
PARTICIPANT = re.compile(r"^\D*(\d+)$")  # "Participant 12345" in any language ("Teilnehmer/in 12345")


@dataclass(frozen=True)
class Student:
    id: str  # what submissions are filed under: Canvas user id, Moodle participant number, or the plain id
    name: str = ""  # as the LMS writes it ("Lovelace, Ada" in Canvas, "Ada Lovelace" in Moodle)
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    email: str = ""
    identifier: str = ""  # Moodle's "Participant 12345"

    @property
    def first_last(self) -> tuple[str, str]:
        """(first name, last name) from either way of writing the name."""
        if "," in self.name:
            last, first = (p.strip() for p in self.name.split(",", 1))
            return first, last
        first, _, last = self.name.rpartition(" ")
        return (first, last) if first else (last, "")


def name_key(name: str) -> str:
    """A name reduced to lower-case letters and digits, as Canvas's file names write it (`lovelaceada`)."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class Roster:
    kind: str  # canvas, moodle-worksheet, moodle-participants, plain
    students: list[Student] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the file's header, kept to reuse assignment columns

    def ids(self) -> set[str]:
        return {s.id for s in self.students if s.id}

    def bind(self, student: Student, lms_id: str) -> Student:
        """Give a student found by name (Moodle participants) the id their submissions carry."""
        bound = dataclasses.replace(student, id=lms_id, identifier=student.identifier or f"Participant {lms_id}")
        self.students[self.students.index(student)] = bound
        return bound

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"kind": self.kind, "columns": self.columns,
                                    "students": [dataclasses.asdict(s) for s in self.students]}, indent=1) + "\n")

    @classmethod
    def load(cls, path: Path) -> Roster | None:
        """The roster `autograder collect --roster` saved in the course (None if it saved none)."""
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        return cls(data["kind"], [Student(**s) for s in data["students"]], data["columns"])

    def find(self, student_id: str, name: str = "") -> Student | None:
        """The student a submission belongs to: by id, else by name as Canvas (last first) or Moodle
        (first last) writes it in file names."""
        for s in self.students:
            if s.id and s.id == student_id:
                return s
        if name:
            key = name_key(name)
            for s in self.students:
                first, last = s.first_last
                if key and key in (name_key(first + last), name_key(last + first), name_key(s.name)):
                    return s
        return None

    def canvas_column(self, assignment: str) -> str:
        """The header of the assignment's column in the Canvas export ("convolution (12345)"), so that the
        import updates that assignment instead of creating a new one; the bare name otherwise."""
        return next((c for c in self.columns if re.fullmatch(rf"{re.escape(assignment)} \(\d+\)", c)), assignment)


def _rows(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} could not be read ({error}); pass the roster CSV as the LMS exported it.") from None
    reader = csv.DictReader(text.splitlines())
    return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader], reader.fieldnames or []


def read(path: Path) -> Roster:
    """The roster in `path`, whichever of the four formats it is."""
    rows, header = _rows(path)
    header = [h.strip() for h in header]
    if {"Student", "ID"} <= set(header):
        students = [Student(r["ID"], r["Student"], r.get("SIS User ID", ""), r.get("SIS Login ID", ""),
                            r.get("Section", ""))
                    for r in rows if r["ID"] and not r["Student"].startswith("Points Possible")
                    and r["Student"] != CANVAS_TEST_STUDENT]
        return Roster("canvas", students, header)
    if "Identifier" in header:
        students = []
        for r in rows:
            match = PARTICIPANT.match(r["Identifier"])
            if match:
                students.append(Student(match[1], r.get("Full name", ""), email=r.get("Email address", ""),
                                        identifier=r["Identifier"]))
        return Roster("moodle-worksheet", students, header)
    if {"First name", "Last name"} <= set(header):
        students = []
        for r in rows:
            full = f"{r['First name']} {r['Last name']}".strip()
            students.append(Student("", full, sis_user_id=r.get("ID number", ""), email=r.get("Email address", "")))
        return Roster("moodle-participants", students, header)
    lower = {h.lower(): h for h in header}
    if "id" in lower:
        students = [Student(r[lower["id"]], r.get(lower.get("name", ""), ""), email=r.get(lower.get("email", ""), ""))
                    for r in rows if r[lower["id"]]]
        return Roster("plain", students, header)
    raise ConfigError(f"{path} has none of the roster columns (Canvas: Student, ID; Moodle: Identifier, or First "
                      f"name and Last name; plain: id); export it again from the LMS or add an 'id' column.")
