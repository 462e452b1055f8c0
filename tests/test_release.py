"""The student release: generated from solutions/ by nbgrader's clearing, in sync, leak-free, and its
public tests pass on the reference and say "not implemented yet" on the stubs."""
import dataclasses
import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from helpers import ASSIGNMENTS, ROOT, student_folder
from nbgrader.utils import compute_checksum

from autograder import release

pytest_plugins = ["pytester"]


def _tree(folder):
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts)


@pytest.fixture(params=ASSIGNMENTS)
def assignment(request, course):
    return course.assignment(request.param)


def test_committed_release_is_what_release_generates(assignment, tmp_path):
    fresh = tmp_path / assignment.name
    release.release(assignment, fresh)
    committed = assignment.release_dir
    hint = f"run `autograder release {assignment.name}` and commit assignments/"
    assert _tree(fresh) == _tree(committed), hint
    for path in _tree(fresh):
        assert filecmp.cmp(fresh / path, committed / path, shallow=False), f"{path} is stale: {hint}"


def test_stubs_keep_signatures_and_docstrings_but_no_solution(convolution):
    stub = (convolution.release_dir / "conv.py").read_text()
    assert "def conv2d_backward(grad_out, x, weight, stride=1, padding=0):" in stub
    assert "grad_weight: (C_out, C_in, KH, KW)" in stub
    assert stub.count("raise NotImplementedError()") == 2
    assert "return grad_x, grad_weight, grad_bias" in stub  # pre-declared outputs are kept
    assert "F.fold(" not in stub and "BEGIN SOLUTION" not in stub
    assert release.leaks(convolution, convolution.release_dir) == []


def test_release_holds_no_leak_and_no_instructor_file(assignment):
    assert release.leaks(assignment, assignment.release_dir) == []
    assert not (assignment.release_dir / release.DATA_SCRIPT).exists()
    assert not any("hidden" in str(p) or "catalogue" in str(p) for p in _tree(assignment.release_dir))


def test_release_has_a_notebook_whose_story_is_locked_by_nbgrader(assignment):
    """NAME.ipynb is released with nbgrader's metadata: every markdown cell read-only, with the checksum that
    nbgrader validate checks; code cells stay editable, for the student to experiment."""
    nb = nbformat.read(assignment.release_dir / f"{assignment.name}.ipynb", as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown":
            assert meta.get("locked") and meta.get("checksum") == compute_checksum(cell), cell.source[:80]
            assert cell.metadata.get("editable") is False and cell.metadata.get("deletable") is False
        else:
            assert not meta.get("locked") and not meta.get("solution"), cell.source[:80]


@pytest.mark.parametrize("leak", ["solution_line", "solution_line_in_notebook", "hidden_test_line"])
def test_leak_check_refuses_a_release_that_leaks(convolution, tmp_path, leak):
    source = tmp_path / "solutions" / "convolution"
    shutil.copytree(convolution.solution_dir, source)
    shutil.copytree(convolution.hidden_dir, tmp_path / "hidden" / "convolution")
    public = source / "test_conv_public.py"
    if leak == "solution_line":  # a solution line copied into a public test
        public.write_text(public.read_text() + "\n# grad_bias = grad_out.sum(dim=(0, 2, 3))  # (C_out,)\n")
    elif leak == "solution_line_in_notebook":  # the same line in a notebook's code cell, among others
        nb = nbformat.read(source / "convolution.ipynb", as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell("def check():\n    grad_bias = grad_out.sum(dim=(0, 2, 3))\n"))
        nbformat.write(nb, source / "convolution.ipynb")
    else:
        public.write_text(public.read_text() + "\n\ndef backward_by_autograd(m, x, weight, bias, stride, padding, "
                                                "grad_out):\n    pass\n")
    moved = dataclasses.replace(convolution, root=tmp_path)
    target = tmp_path / "assignments" / "convolution"
    target.mkdir(parents=True)
    (target / "sentinel").write_text("the previous release")
    with pytest.raises(release.ReleaseError, match="refused"):
        release.release(moved, target)
    assert (target / "sentinel").read_text() == "the previous release"


def test_unbalanced_marker_is_a_clear_error(tmp_path):
    broken = "def f():\n    ### BEGIN SOLUTION\n    return 1\n"
    with pytest.raises(release.ReleaseError, match="no end solution statement"):
        release.clear_python(broken, tmp_path / "f.py")


def test_public_tests_pass_on_the_reference(pytester, assignment):
    student_folder(assignment, pytester.path, with_reference=True)
    result = pytester.runpytest_subprocess(timeout=120)
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 5 and "failed" not in outcomes, result.stdout.str()


def test_public_tests_on_the_stubs_say_not_implemented(pytester, assignment):
    student_folder(assignment, pytester.path, with_reference=False)
    result = pytester.runpytest_subprocess(timeout=120)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) >= 5 and "passed" not in outcomes, result.stdout.str()
    text = result.stdout.str()
    reasons = [line for line in text.splitlines() if line.startswith("not implemented yet: fill in")]
    assert len(reasons) == outcomes["failed"], text  # one per failed test, in the FAILURES section
    assert "Traceback" not in text and "raise NotImplementedError" not in text


def test_public_tests_name_the_mistake(pytester, convolution):
    student_folder(convolution, pytester.path, with_reference=True)
    conv = pytester.path / "conv.py"
    conv.write_text(conv.read_text().replace("grad_bias = grad_out.sum(dim=(0, 2, 3))",
                                             "grad_bias = grad_out.sum(dim=(0, 2, 3)) / grad_out.shape[0]"))
    result = pytester.runpytest_subprocess(timeout=120)
    text = result.stdout.str()
    assert "grad_bias: 2 of 2 values differ; max abs error" in text, text
    assert "Hint: grad_bias sums grad_out over N, H_out, W_out" in text


def _course_with_notebook(tmp_path, convolution):
    """A course folder whose convolution source has a notebook, so nbgrader can release it."""
    for name in ("grading.toml", "nbgrader_config.py"):
        shutil.copyfile(ROOT / name, tmp_path / name)
    shutil.copytree(convolution.solution_dir, tmp_path / "solutions" / "convolution",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "hidden").mkdir()
    (tmp_path / "hidden" / "convolution").symlink_to(convolution.hidden_dir)
    if not (tmp_path / "solutions" / "convolution" / "convolution.ipynb").exists():
        notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Convolution"),
                                                   nbformat.v4.new_code_cell("from conv import conv2d_forward")])
        notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(notebook, tmp_path / "solutions" / "convolution" / "convolution.ipynb")
    return tmp_path


def _nbgrader(course, *args):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=300)


def test_nbgrader_generate_assignment_releases_what_autograder_release_does(convolution, tmp_path):
    course = _course_with_notebook(tmp_path, convolution)
    run = _nbgrader(course, "generate_assignment", "convolution", "--no-db", "--force")
    assert run.returncode == 0, run.stderr
    by_nbgrader = course / "by_nbgrader"
    (course / "assignments" / "convolution").rename(by_nbgrader)
    moved = dataclasses.replace(convolution, root=course)
    release.release(moved)
    ours = moved.release_dir
    assert _tree(by_nbgrader) == _tree(ours)
    for path in _tree(ours):
        assert (by_nbgrader / path).read_bytes() == (ours / path).read_bytes(), path
    assert "raise NotImplementedError()" in (ours / "conv.py").read_text()
    assert release.leaks(moved, by_nbgrader) == []


def test_nbgrader_release_that_leaks_is_deleted(convolution, tmp_path):
    course = _course_with_notebook(tmp_path, convolution)
    public = course / "solutions" / "convolution" / "test_conv_public.py"
    public.write_text(public.read_text() + "\n# grad_bias = grad_out.sum(dim=(0, 2, 3))  # (C_out,)\n")
    run = _nbgrader(course, "generate_assignment", "convolution", "--no-db", "--force")
    assert "release of 'convolution' DELETED" in run.stderr
    assert not (course / "assignments" / "convolution").exists()
