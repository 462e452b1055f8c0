"""The `autograder` command end to end: grading folders and zips, reports, exit statuses, usage errors."""
import csv
import json
import zipfile

import pytest
from helpers import ROOT, SUBMISSIONS

from autograder.cli import main

EXAMPLES = SUBMISSIONS / "convolution" / "examples"


def _zip(folder, target, prefix=""):
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
        archive.writestr("__MACOSX/._conv.py", b"junk")
    return target


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    (tmp / "broken.zip").write_bytes(b"PK\x03\x04 this is not a zip file")
    sources = [EXAMPLES / "correct", EXAMPLES / "buggy", ROOT / "assignments" / "convolution",
               _zip(EXAMPLES / "correct", tmp / "zipped_flat.zip"),
               _zip(EXAMPLES / "buggy", tmp / "zipped_in_folder.zip", prefix="my_homework/"),
               tmp / "broken.zip"]
    out = tmp / "out"
    code = main(["--config", str(ROOT / "grading.toml"), "grade", "convolution", *map(str, sources),
                 "--out", str(out), "--jobs", "2"])
    return code, out


def _score(out, name):
    return json.loads((out / name / "results.json").read_text())["score"]


def test_grading_exits_zero_whatever_the_scores(graded):
    code, _ = graded
    assert code == 0


def test_results_json_follows_gradescope_schema(graded):
    _, out = graded
    report = json.loads((out / "buggy" / "results.json").read_text())
    assert set(report) >= {"score", "tests", "output"}
    assert report["tests"], "no tests in results.json"
    for test in report["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output"}
        assert test["status"] in ("passed", "failed")
        assert 0 <= test["score"] <= test["max_score"]
    assert report["score"] == pytest.approx(sum(t["score"] for t in report["tests"]), abs=1e-3)
    assert sum(t["max_score"] for t in report["tests"]) == pytest.approx(100)


@pytest.mark.parametrize("name, low, high", [
    ("correct", 100, 100), ("zipped_flat", 100, 100), ("convolution", 0, 0), ("broken", 0, 0),
    ("buggy", 50, 95), ("zipped_in_folder", 50, 95),
])
def test_scores(graded, name, low, high):
    _, out = graded
    assert low <= _score(out, name) <= high


def test_zip_in_a_folder_grades_like_the_folder(graded):
    _, out = graded
    assert _score(out, "zipped_in_folder") == _score(out, "buggy")


def test_broken_zip_still_gets_a_result_that_says_why(graded):
    _, out = graded
    feedback = (out / "broken" / "feedback.txt").read_text()
    assert "broken.zip could not be read as a zip file" in feedback


def test_feedback_names_the_buggy_parts(graded):
    _, out = graded
    feedback = (out / "buggy" / "feedback.txt").read_text()
    assert "grad_bias of conv2d_backward" in feedback and "conv_output_size(9, 3, 1, 0, 2): is 7, expected 5" \
        in feedback


def test_csv_has_one_row_per_submission(graded):
    _, out = graded
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert [r["submission"] for r in rows] == ["correct", "buggy", "convolution", "zipped_flat",
                                               "zipped_in_folder", "broken"]
    assert float(rows[0]["score"]) == 100 and float(rows[0]["conv2d_backward"]) == 40


@pytest.mark.parametrize("args, phrase", [
    (["grade", "nope", "x", "--out", "o"], "there is no [nope] table"),
    (["grade", "convolution", "does/not/exist", "--out", "o"], "does/not/exist does not exist"),
    (["grade", "convolution", str(EXAMPLES / "correct"), str(EXAMPLES / "correct"), "--out", "o"],
     "two submissions are named 'correct'"),
    (["--config", "missing.toml", "validate", "convolution"], "missing.toml does not exist"),
])
def test_usage_errors_exit_nonzero_with_one_sentence(args, phrase, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    assert main(args) == 2
    error = capsys.readouterr().err.strip()
    assert phrase in error and error.count("\n") == 0


def test_release_command_regenerates_the_release(tmp_path, capsys):
    course = tmp_path / "course"
    for name in ("grading.toml",):
        (course).mkdir()
        (course / name).write_bytes((ROOT / name).read_bytes())
    for folder in ("solutions/convolution", "hidden/convolution"):
        target = course / folder
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(ROOT / folder)
    assert main(["--config", str(course / "grading.toml"), "release", "convolution"]) == 0
    assert "no solution or hidden test leaked" in capsys.readouterr().out
    released = course / "assignments" / "convolution"
    assert (released / "conv.py").read_text() == (ROOT / "assignments" / "convolution" / "conv.py").read_text()


def test_help_texts_give_an_example(capsys):
    for command in ("release", "grade", "validate"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        assert f"example: autograder {command}" in capsys.readouterr().out
