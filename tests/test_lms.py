"""Rosters as Canvas and Moodle export them, and the grade files written for their imports, on
real-shaped examples of each format (header and rows as the LMS writes them)."""
import csv
import datetime

import pytest
from helpers import ROOT

from autograder import exports, roster
from autograder.cli import main
from autograder.collect import collect
from autograder.config import ConfigError
from autograder.report import Result
from autograder.report import TestResult as Outcome  # not collected by pytest as a test class

CANVAS_EXPORT = """\
Student,ID,SIS User ID,SIS Login ID,Section,Convolution (4711),convolution (4712),Current Points,Final Points
    Points Possible,,,,,100.00,100.00,(read only),(read only)
"Lovelace, Ada",12345,S001,ada.lovelace,DL 2026 A,,,0.00,0.00
"Turing, Alan",67890,S002,alan.turing,DL 2026 B,,,0.00,0.00
"Student, Test",99999,,,DL 2026 A,,,0.00,0.00
"""
MOODLE_WORKSHEET = """\
Identifier,"Full name","Email address",Status,Grade,"Maximum Grade","Grade can be changed","Last modified \
(submission)","Last modified (grade)","Feedback comments"
"Participant 12345","Ada Lovelace",ada@example.org,"Submitted for grading",,100.00,Yes,"Sunday, 1 March 2026, \
10:22 PM",-,
"Participant 67890","Alan Turing",alan@example.org,"No submission",,100.00,Yes,-,-,
"""
MOODLE_PARTICIPANTS = """\
"First name","Last name","ID number","Email address",Roles,Groups,"Last access to course"
Ada,Lovelace,S001,ada@example.org,Student,"Group A","1 day 2 hours"
Alan,Turing,S002,alan@example.org,Student,"Group B",Never
"""


def _read(tmp_path, text: str, name: str = "roster.csv") -> roster.Roster:
    path = tmp_path / name
    path.write_text("\ufeff" + text)  # as Excel and Moodle save it, with a byte-order mark
    return roster.read(path)


def test_canvas_gradebook_export(tmp_path):
    found = _read(tmp_path, CANVAS_EXPORT)
    assert found.kind == "canvas" and found.ids() == {"12345", "67890"}  # no Points Possible, no test student
    ada = found.find("12345")
    assert (ada.name, ada.sis_user_id, ada.sis_login_id, ada.section) == ("Lovelace, Ada", "S001", "ada.lovelace",
                                                                          "DL 2026 A")
    assert ada.first_last == ("Ada", "Lovelace")
    assert found.find("0", "lovelaceada") == ada  # by the name in Canvas's file names
    assert found.canvas_column("convolution") == "convolution (4712)"  # the exact name, not "Convolution"
    assert found.canvas_column("batchnorm") == "batchnorm"


def test_moodle_grading_worksheet(tmp_path):
    found = _read(tmp_path, MOODLE_WORKSHEET)
    assert found.kind == "moodle-worksheet" and found.ids() == {"12345", "67890"}
    assert found.find("67890").identifier == "Participant 67890" and found.find("67890").email == "alan@example.org"


def test_moodle_participants_are_matched_by_name_at_collect(tmp_path, convolution):
    found = _read(tmp_path, MOODLE_PARTICIPANTS)
    assert found.kind == "moodle-participants" and found.ids() == set()
    bulk = tmp_path / "bulk" / "Ada Lovelace_4242_assignsubmission_file_"
    bulk.mkdir(parents=True)
    for name in convolution.files:
        (bulk / name).write_text("x = 1\n")
    report = collect(convolution, tmp_path / "bulk", tmp_path / "course", found)
    assert sorted(report.placed) == ["4242"] and report.missing == ["Alan Turing"]
    saved = roster.Roster.load(tmp_path / "course" / "roster.json")
    assert saved.find("4242").identifier == "Participant 4242" and saved.find("4242").sis_user_id == "S001"


def test_plain_roster_and_a_roster_without_ids(tmp_path):
    assert _read(tmp_path, "id,name\nalice,Alice A\n").find("alice").name == "Alice A"
    with pytest.raises(ConfigError, match="has none of the roster columns"):
        _read(tmp_path, "student,mark\nalice,3\n")


def _results(convolution) -> list[Result]:
    ada = Result(convolution, "12345", tests=[
        Outcome("conv2d_forward: a", "conv2d_forward", 30.0, 30.0, True),
        Outcome("conv2d_backward: b", "conv2d_backward", 0.0, 40.0, False, "grad_x differs")],
        submitted=datetime.datetime(2026, 3, 1, 21, 22, tzinfo=datetime.UTC))
    return [ada, Result(convolution, "67890", missing=True)]


def test_canvas_import_file(tmp_path, convolution):
    canvas, *_ = exports.write(convolution, tmp_path, _results(convolution), _read(tmp_path, CANVAS_EXPORT))
    assert canvas.read_text().splitlines() == [
        "Student,ID,SIS User ID,SIS Login ID,Section,convolution (4712)",
        "    Points Possible,,,,,100",
        '"Lovelace, Ada",12345,S001,ada.lovelace,DL 2026 A,30',
        '"Turing, Alan",67890,S002,alan.turing,DL 2026 B,0',
    ]


def test_moodle_worksheet_file(tmp_path, convolution):
    graded_at = datetime.datetime(2026, 3, 2, 18, 5, tzinfo=datetime.UTC)
    _, moodle, grades, _ = exports.write(convolution, tmp_path, _results(convolution),
                                         _read(tmp_path, MOODLE_WORKSHEET), graded_at)
    rows = list(csv.reader(moodle.open()))
    assert rows[0] == MOODLE_WORKSHEET.replace("\\\n", "").splitlines()[0].replace('"', "").split(",")
    assert rows[1][:9] == ["Participant 12345", "Ada Lovelace", "ada@example.org", "Submitted for grading", "30",
                           "100", "Yes", "Sunday, 1 March 2026, 9:22 PM", "Monday, 2 March 2026, 6:05 PM"]
    assert rows[2][:5] == ["Participant 67890", "Alan Turing", "alan@example.org", "No submission", "0"]
    assert "no submission" in rows[2][9]
    nbgrader = list(csv.DictReader(grades.open()))
    assert list(nbgrader[0]) == ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name",
                                 "email", "raw_score", "late_submission_penalty", "score", "max_score"]
    assert (nbgrader[0]["last_name"], nbgrader[0]["score"], nbgrader[1]["score"]) == ("Lovelace", "30", "0")


@pytest.mark.parametrize("args, phrase", [
    (["report", "convolution"], "run autograder grade convolution --course first"),
    (["similarity", "convolution"], "run autograder collect convolution first"),
    (["collect", "convolution", "bulk", "--roster", "marks.csv"], "has none of the roster columns"),
    (["collect", "convolution", "bulk", "--roster", "nowhere.csv"], "nowhere.csv could not be read"),
])
def test_instructor_commands_fail_in_one_sentence(tmp_path, capsys, args, phrase):
    (tmp_path / "grading.toml").write_bytes((ROOT / "grading.toml").read_bytes())
    (tmp_path / "bulk").mkdir()
    (tmp_path / "marks.csv").write_text("student,mark\nalice,3\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        assert main(args) == 2
    error = capsys.readouterr().err.strip()
    assert phrase in error and error.count("\n") == 0


def test_instructor_commands_help_gives_an_example(capsys):
    for command in ("report", "similarity", "collect"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert f"example: autograder {command}" in capsys.readouterr().out
