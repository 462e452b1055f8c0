"""`autograder gradescope`: the zip, and Gradescope's container simulated without Docker.

A temporary root gets Gradescope's tree (ROOT/source from the zip, ROOT/submission,
ROOT/submission_metadata.json, ROOT/results); setup.sh installs into a fresh venv (offline: over the test
environment's packages), and run_autograder grades a correct, a buggy and a hostile submission inside the
simulated Docker container of tests/container.py, so the sandbox's uid tier is what holds.
Every results.json is checked against Gradescope's documented schema (tests/schemas/).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import container
import jsonschema
import pytest
from helpers import ROOT, SUBMISSIONS, compose, venv_over_this_one

from autograder import config, report
from autograder.cli import main
from autograder.report import Result

SCHEMA = json.loads((ROOT / "tests" / "schemas" / "gradescope_results.schema.json").read_text())
EXAMPLES = SUBMISSIONS / "convolution" / "examples"
HOSTILE = SUBMISSIONS / "convolution" / "gradescope" / "forges_results"
METADATA = {"created_at": "2026-12-02T10:00:00Z", "assignment": {"due_date": "2026-12-09T23:59:00Z",
            "title": "convolution", "total_points": 100.0}, "users": [{"name": "A Student", "id": 1}],
            "previous_submissions": []}
pytestmark = pytest.mark.timeout(900)


@pytest.fixture(scope="module")
def zipped(tmp_path_factory):
    out = tmp_path_factory.mktemp("zip") / "convolution.zip"
    assert main(["--config", str(ROOT / "grading.toml"), "gradescope", "convolution", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def gradescope_root(zipped):
    """Gradescope's tree under a root every user may traverse (the sandbox's workers must reach the venv)."""
    base = Path(tempfile.mkdtemp(prefix="gradescope-"))
    base.chmod(0o755)
    root = base / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(root / "source")
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)  # extractall drops the modes; Gradescope's unzip keeps them
    python, venv = Path(sys.base_prefix) / "bin" / "python3", base / "opt" / "venv"
    venv_over_this_one(python, venv)  # stands in for the downloads setup.sh makes on Gradescope
    env = dict(os.environ, AUTOGRADER_PYTHON=str(python), AUTOGRADER_VENV=str(venv),
               AUTOGRADER_VENV_OPTIONS="--without-pip",
               PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", AUTOGRADER_ROOT=str(root))
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, capture_output=True, text=True)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    yield root, env
    shutil.rmtree(base)


def _run(root: Path, env: dict, submission: Path, in_container: bool = True) -> tuple[dict, str, float]:
    shutil.rmtree(root / "submission", ignore_errors=True)
    shutil.copytree(submission, root / "submission")
    (root / "submission_metadata.json").write_text(json.dumps(METADATA))
    command = ["bash", str(root / "source" / "run_autograder")]
    if in_container:
        command = [sys.executable, str(ROOT / "tests" / "container.py"), *command]
    started = time.monotonic()
    ran = subprocess.run(command, env=env, capture_output=True, text=True, cwd=root)
    seconds = time.monotonic() - started
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return json.loads((root / "results" / "results.json").read_text()), ran.stdout + ran.stderr, seconds


@pytest.fixture(scope="module")
def graded(gradescope_root, tmp_path_factory):
    if container.library() is None or os.geteuid() != 0:
        pytest.skip("the simulated container needs root and libseccomp")
    root, env = gradescope_root
    tmp = tmp_path_factory.mktemp("submissions")
    convolution = config.load(ROOT / "grading.toml").assignment("convolution")
    submissions = {"correct": EXAMPLES / "correct", "buggy": EXAMPLES / "buggy",
                   "hostile": compose(convolution, HOSTILE, tmp / "hostile")}
    return {name: _run(root, env, path) for name, path in submissions.items()}


def test_the_zip_holds_what_gradescope_runs_and_no_more(zipped):
    with zipfile.ZipFile(zipped) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    assert {"setup.sh", "run_autograder", "requirements.txt", "grading.toml", "kit/pyproject.toml"} <= names
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    assert "solutions/convolution/conv.py" in names and "hidden/convolution/test_conv.py" in names
    tops = {name.split("/")[1] for name in names if name.startswith(("solutions/", "hidden/"))}
    assert tops == {"convolution"}, "another assignment's reference or hidden suite is in the zip"
    assert not [n for n in names if "/catalogue/" in n or "__pycache__" in n]


def test_requirements_pin_cpu_torch_exactly(zipped):
    with zipfile.ZipFile(zipped) as archive:
        lines = archive.read("requirements.txt").decode().split()
    assert all("==" in line for line in lines)
    assert any(line.startswith("torch==2.13.0") for line in lines)
    assert not any(line.lower().startswith(("nbgrader==", "matplotlib==", "nvidia")) for line in lines)


def test_setup_leaves_the_system_python_alone(zipped):
    with zipfile.ZipFile(zipped) as archive:
        setup = archive.read("setup.sh").decode()
    assert "download.pytorch.org/whl/cpu" in setup
    for forbidden in ("update-alternatives", "ln -s", "/usr/bin/python3 ", "pip3 install", "python3 -m pip"):
        assert forbidden not in setup, forbidden


@pytest.mark.parametrize("name", ["correct", "buggy", "hostile"])
def test_results_json_follows_gradescopes_schema(graded, name):
    results, output, _ = graded[name]
    jsonschema.validate(results, SCHEMA)
    assert results["tests"] and "autograder failed" not in [t["name"] for t in results["tests"]], output


def test_scores_are_what_each_submission_deserves(graded):
    scores = {name: results["score"] for name, (results, _, _) in graded.items()}
    assert scores["correct"] == 100
    assert 50 <= scores["buggy"] <= 95
    assert scores["hostile"] == pytest.approx(70), "the hostile one read the reference or forged its results.json"


def test_the_uid_tier_holds_in_the_container(graded):
    _, output, _ = graded["hostile"]
    assert "sandbox tier 'uid'" in output


def test_one_submission_fits_gradescopes_time_limit(graded):
    for _, _, seconds in graded.values():
        assert seconds < 300, f"{seconds:.0f} s of Gradescope's 600 s, on this machine"


def test_a_grading_failure_still_writes_a_visible_result(gradescope_root, tmp_path):
    root, env = gradescope_root
    broken = tmp_path / "autograder"
    shutil.copytree(root / "source", broken / "source", ignore=shutil.ignore_patterns("hidden"))
    results, _, _ = _run(broken, dict(env, AUTOGRADER_ROOT=str(broken)), EXAMPLES / "correct", in_container=False)
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 0
    (failed,) = results["tests"]
    assert failed["name"] == "autograder failed" and failed["visibility"] == "visible"
    assert "hidden" in failed["output"]


def test_a_python_that_does_not_start_still_leaves_valid_json(gradescope_root, tmp_path):
    root, env = gradescope_root
    results, _, _ = _run(root, dict(env, AUTOGRADER_VENV=str(tmp_path / "no-venv")), EXAMPLES / "correct",
                         in_container=False)
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == 0 and results["tests"][0]["name"] == "autograder failed"


PART = "[convolution.parts.conv2d_forward]\n"
GRADESCOPE = """
[convolution.gradescope]
visibility = "after_published"
test_visibility = "after_due_date"
output_format = "md"
"""


def test_visibility_numbers_and_tags_come_from_grading_toml(tmp_path):
    text = (ROOT / "grading.toml").read_text().replace(
        PART, PART + 'number = "1"\ntags = ["forward"]\nvisibility = "visible"\n')
    (tmp_path / "grading.toml").write_text(text + GRADESCOPE)
    assignment = config.load(tmp_path / "grading.toml").assignment("convolution")
    tests = [report.TestResult(f"conv2d_forward: case {i}", "conv2d_forward", 15.0, 15.0, True) for i in (1, 2)]
    tests.append(report.TestResult("conv2d_backward: case", "conv2d_backward", 0.0, 40.0, False, "wrong"))
    results = report.gradescope(Result(assignment, "s", tests=tests))
    jsonschema.validate(results, SCHEMA)
    assert (results["visibility"], results["output_format"]) == ("after_published", "md")
    forward = [t for t in results["tests"] if t["name"].startswith("conv2d_forward")]
    assert [(t["number"], t["tags"], t["visibility"]) for t in forward] == [("1.1", ["forward"], "visible"),
                                                                            ("1.2", ["forward"], "visible")]
    backward = next(t for t in results["tests"] if t["name"].startswith("conv2d_backward"))
    assert backward["visibility"] == "after_due_date" and "number" not in backward


def test_an_unknown_visibility_is_refused_with_the_choices(tmp_path):
    text = (ROOT / "grading.toml").read_text() + '\n[convolution.gradescope]\nvisibility = "students"\n'
    (tmp_path / "grading.toml").write_text(text)
    with pytest.raises(config.ConfigError, match="visibility = 'students' is not one of hidden, after_due_date"):
        config.load(tmp_path / "grading.toml")


def test_out_must_name_a_zip(tmp_path, capsys):
    assert main(["--config", str(ROOT / "grading.toml"), "gradescope", "convolution", "--out",
                 str(tmp_path / "autograder.tar")]) == 2
    assert "should name a .zip file" in capsys.readouterr().err


LATE = """
[convolution.late]
due = 2026-12-01T23:59:00Z
percent = 10
per = "day"
"""


def test_a_late_gradescope_submission_loses_the_late_policys_points(tmp_path, monkeypatch):
    """run() reads created_at from submission_metadata.json (METADATA: 10 h after this deadline, one started day)."""
    (tmp_path / "source").mkdir()
    (tmp_path / "source" / "grading.toml").write_text((ROOT / "grading.toml").read_text() + LATE)
    (tmp_path / "submission").mkdir()
    (tmp_path / "submission_metadata.json").write_text(json.dumps(METADATA))
    assignment = config.load(tmp_path / "source" / "grading.toml").assignment("convolution")
    tests = [report.TestResult("conv2d_forward: case", "conv2d_forward", 40.0, 40.0, True)]
    graded = [Result(assignment, "submission", tests=tests)]
    monkeypatch.setattr("autograder.grade.grade", lambda *args, **kwargs: graded)
    monkeypatch.setattr("autograder.sandbox.close_folders", lambda *args: None)
    from autograder import gradescope
    assert gradescope.run("convolution", tmp_path) == 0
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    jsonschema.validate(results, SCHEMA)
    assert results["score"] == pytest.approx(36.0), results
