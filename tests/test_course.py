"""The course workflow end to end: a Canvas bulk download of 21 students' mixed submissions (and a stray
file) is collected into nbgrader's layout, graded into nbgrader's gradebook, with feedback pages and LMS
grade files."""
import csv
import io
import shutil
import zipfile

import pytest
from helpers import ROOT, SUBMISSIONS, compose
from nbgrader.api import Gradebook

from autograder import config
from autograder.cli import main
from autograder.collect import collect
from autograder.course import gradebook_url

EXAMPLES = SUBMISSIONS / "convolution" / "examples"
CATALOGUE = ROOT / "hidden" / "convolution" / "catalogue"
# student id -> what they hand in (a folder whose declared files are uploaded one by one)
HONEST = {
    **{f"10{i}": EXAMPLES / "correct" for i in range(8)},
    **{f"20{i}": ROOT / "assignments" / "convolution" for i in range(4)},
    "300": EXAMPLES / "buggy", "301": "conv_stride_ignored", "302": "conv_backward_bias_mean",
    "303": "rf_empty_is_zero", "304": "rf_output_size_ceil",
}


def _bulk_zip(convolution, tmp) -> bytes:
    """What Canvas's 'Download submissions' gives: lastfirst_[LATE_]USERID_FILEID_name."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as bulk:
        file_id = 900
        for student, what in HONEST.items():
            folder = what if not isinstance(what, str) else compose(convolution, CATALOGUE / "wrong" / what,
                                                                     tmp / what)
            late = "LATE_" if student == "105" else ""
            for name in convolution.files:
                file_id += 1
                upload = "conv-1.py" if student == "101" and name == "conv.py" else name  # a resubmission
                bulk.writestr(f"student{student}_{late}{student}_{file_id}_{upload}", (folder / name).read_bytes())
        per_student = io.BytesIO()  # a student who zipped the folder: accepted as one submission
        with zipfile.ZipFile(per_student, "w") as inner:
            for name in convolution.files:
                inner.write(EXAMPLES / "correct" / name, f"my_homework/{name}")
        bulk.writestr("zipper_400_990_homework.zip", per_student.getvalue())
        bulk.writestr("broken_401_991_homework.zip", b"PK\x03\x04 not really a zip")
        for name in convolution.files:  # someone not on the roster
            bulk.writestr(f"stranger_999_99{len(name)}_{name}", (EXAMPLES / "correct" / name).read_bytes())
        bulk.writestr("twice_402_995_conv.py", (EXAMPLES / "correct" / "conv.py").read_bytes())
        bulk.writestr("twice_402_996_conv-1.py", (EXAMPLES / "buggy" / "conv.py").read_bytes())
        bulk.writestr("twice_402_997_receptive_field.py", (EXAMPLES / "correct" / "receptive_field.py").read_bytes())
        bulk.writestr("readme-from-the-lms.txt", b"downloaded from Canvas")
    return stream.getvalue()


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    """A fresh course folder with its own grading.toml and the released assignment."""
    root = tmp_path_factory.mktemp("course")
    shutil.copyfile(ROOT / "grading.toml", root / "grading.toml")
    for folder in ("solutions", "hidden"):
        (root / folder).symlink_to(ROOT / folder)
    settings = config.load(root / "grading.toml")
    convolution = settings.assignment("convolution")
    for name in ("convolution", "batchnorm"):  # the term's first two assignments
        assert main(["--config", str(root / "grading.toml"), "release", name]) == 0
        assert (root / "assignments" / name / "pytest.ini").exists()
    (root / "downloads").mkdir()
    (root / "downloads" / "submissions.zip").write_bytes(_bulk_zip(convolution, root / "downloads"))
    roster = root / "students.csv"
    roster.write_text("id,name\n" + "".join(f"{s},student {s}\n" for s in [*HONEST, "400", "401", "402"]))
    return root, convolution


@pytest.fixture(scope="module")
def collected(course_dir):
    root, convolution = course_dir
    roster = {row["id"] for row in csv.DictReader((root / "students.csv").open())}
    return collect(convolution, root / "downloads" / "submissions.zip", root, roster)


@pytest.fixture(scope="module")
def graded(course_dir, collected):
    root, _ = course_dir
    code = main(["--config", str(root / "grading.toml"), "grade", "convolution", "--course", "--jobs", "2"])
    return code


def test_collect_places_every_identifiable_submission(course_dir, collected):
    root, _ = course_dir
    assert sorted(collected.placed) == sorted([*HONEST, "400"])
    for student in collected.placed:
        folder = root / "submitted" / student / "convolution"
        assert sorted(p.name for p in folder.glob("*.py")) == ["conv.py", "receptive_field.py"]
        assert (folder / "timestamp.txt").read_text().strip()
    assert (root / "submitted" / "105" / "convolution" / "late.txt").exists()
    assert not (root / "submitted" / "104" / "convolution" / "late.txt").exists()


@pytest.mark.parametrize("phrase", [
    "999: not on the roster", "402: two submissions of conv.py", "broken_401_991_homework.zip (401)",
    "readme-from-the-lms.txt: cannot tell whose file this is",
])
def test_collect_reports_what_it_cannot_place(collected, phrase):
    assert any(phrase in problem for problem in collected.problems), collected.problems


def test_collect_moodle_layout(tmp_path, convolution):
    moodle = tmp_path / "moodle"
    for student, folder in (("12345", EXAMPLES / "correct"), ("67890", EXAMPLES / "buggy")):
        target = moodle / f"Ada Lovelace_{student}_assignsubmission_file_"
        target.mkdir(parents=True)
        for name in convolution.files:
            shutil.copyfile(folder / name, target / name)
    found = collect(convolution, moodle, tmp_path / "course")
    assert sorted(found.placed) == ["12345", "67890"] and found.problems == []


def test_grading_the_course_fills_nbgrader_gradebook(course_dir, collected, graded):
    root, convolution = course_dir
    assert graded == 0
    with Gradebook(gradebook_url(root)) as gradebook:
        scores = {s.student.id: s.score for s in gradebook.assignment_submissions("convolution")}
        assert sorted(scores) == sorted(collected.placed)
        assert scores["100"] == pytest.approx(100) and scores["400"] == pytest.approx(100)
        assert scores["200"] == 0
        assert 0 < scores["300"] < 100 and 0 < scores["301"] < 100
        notebooks = {n.name for n in gradebook.find_assignment("convolution").notebooks}
        assert notebooks == set(convolution.parts)
        assert gradebook.find_assignment("convolution").max_score == pytest.approx(100)


def test_results_feedback_and_exports_agree(course_dir, collected, graded):
    root, _ = course_dir
    canvas = list(csv.reader((root / "exports" / "convolution-canvas.csv").open()))
    assert canvas[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert canvas[1][0] == "Points Possible"
    by_id = {row[1]: float(row[5]) for row in canvas[2:]}
    assert sorted(by_id) == sorted(collected.placed)
    moodle = list(csv.DictReader((root / "exports" / "convolution-moodle.csv").open()))
    assert {row["Identifier"]: float(row["Grade"]) for row in moodle} == \
        {f"Participant {k}": v for k, v in by_id.items()}
    for student, score in by_id.items():
        page = (root / "feedback" / student / "convolution" / "feedback.html").read_text()
        assert f"convolution: {score:g} / 100" in page
        assert (root / "autograded" / student / "convolution" / "results.json").exists()
    assert "grad_bias of conv2d_backward" in (root / "feedback" / "302" / "convolution" / "feedback.html").read_text()


def test_grade_course_without_submissions_is_a_clear_error(tmp_path, capsys):
    shutil.copyfile(ROOT / "grading.toml", tmp_path / "grading.toml")
    for folder in ("solutions", "hidden"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    assert main(["--config", str(tmp_path / "grading.toml"), "grade", "convolution", "--course"]) == 2
    assert "run autograder collect convolution first" in capsys.readouterr().err
