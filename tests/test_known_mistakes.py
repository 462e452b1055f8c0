"""Diagnosis while the student works (autograder.known_mistakes, checks.known_mistake): a public test
whose result resembles a catalogue entry's on it names that mistake; only data is released, never a
catalogue source."""
import json

import pytest
import torch
from helpers import ASSIGNMENTS, student_folder

from autograder import checks, release

pytest_plugins = ["pytester"]


def test_a_sketch_tells_a_result_within_the_tolerance_from_another_one():
    tol = {"float64": {"rtol": 1e-7, "atol": 1e-10}}
    value = torch.linspace(-3, 5, 60, dtype=torch.float64).reshape(3, 4, 5)
    known = checks.sketch({"out": value, "n": 3, "size": 2.5})
    assert checks.resembles(checks.sketch({"out": value * (1 + 1e-8), "n": 3, "size": 2.5}), known, tol, 10)
    assert not checks.resembles(checks.sketch({"out": value.flip(-1), "n": 3, "size": 2.5}), known, tol, 10)
    assert not checks.resembles(checks.sketch({"out": value, "n": 3.0, "size": 2.5}), known, tol, 10)  # float, not int
    assert not checks.resembles(checks.sketch({"out": value.float(), "n": 3, "size": 2.5}), known, tol, 10)
    assert not checks.resembles(checks.sketch({"out": value[:2], "n": 3, "size": 2.5}), known, tol, 10)
    assert json.loads(json.dumps(known)) == known  # data only, as public_data.json holds it


def _public_run(pytester, convolution, rewritten: str | None) -> str:
    student_folder(convolution, pytester.path, with_reference=True)
    if rewritten:
        (pytester.path / "conv.py").write_text(
            (convolution.hidden_dir / "catalogue" / "diagnosis" / rewritten / "conv.py").read_text())
    return pytester.runpytest_subprocess(timeout=120).stdout.str()


def test_a_students_public_pytest_names_a_catalogue_mistake(pytester, convolution):
    """The diagnosis set's kernel flip (a sum over the kernel's offsets, unlike the catalogue's loops)."""
    text = _public_run(pytester, convolution, "conv_true_convolution")
    assert "This looks like a known mistake: your code flips the kernel (a true convolution)" in text, text
    assert "Do not rotate the kernel" in text


def test_a_two_mistake_submission_is_not_told_a_wrong_mistake(pytester, convolution):
    """Flipped kernel and no bias: a test without a bias sees the flip alone and may say so; a test with one
    matches no single mistake and names none."""
    text = _public_run(pytester, convolution, "conv_flipped_and_no_bias")
    named = [line for line in text.splitlines() if line.startswith("This looks like a known mistake")]
    assert all("flips the kernel" in line or "never adds the bias" in line for line in named), text
    assert text.count("FAILED test_conv_public.py::test_forward") > len(named), text


def test_public_data_holds_sketches_and_sentences_only(convolution):
    known = json.loads((convolution.release_dir / "public_data.json").read_text())["known_mistakes"]
    assert known["tolerance_factor"] == convolution.diagnosis.tolerance_factor
    records = [r for found in known["tests"].values() for r in found]
    assert {r["entry"] for r in records} >= {"conv_kernel_flipped", "conv_bias_ignored", "rf_missing_plus_one"}
    for record in records:
        assert set(record) == {"check", "sketch", "entry", "mistake", "fix"}
        assert "def " not in json.dumps(record) and "import" not in json.dumps(record)


def _source_lines(path) -> set[str]:
    """The lines the leak check counts (imports and boilerplate left out), a notebook's from its cells."""
    return {line.strip() for line in release._meaningful(line for _, line in release._lines(path))}


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_catalogue_source_reaches_the_release(course, name):
    """Every line of a catalogue file (wrong, correct or diagnosis set) that is not also a line of the
    reference or the stub appears nowhere in assignments/NAME, and neither does any catalogue file name."""
    assignment = course.assignment(name)
    shared = set()  # what the instructor's own released sources (stubs, notebook, demo, public tests) hold
    for path in sorted(assignment.solution_dir.rglob("*")):
        if path.suffix in (".py", ".ipynb") and "__pycache__" not in path.parts:
            shared |= _source_lines(path)
    shared |= _source_lines(release.PACKAGE / "checks.py") | _source_lines(release.PACKAGE / "student_conftest.py")
    catalogue = assignment.hidden_dir / "catalogue"
    own = {}
    for path in sorted(catalogue.rglob("*.py")):
        for line in _source_lines(path) - shared:
            own.setdefault(line, path)
    assert own, f"{catalogue} holds no source"
    folders = {p.name for p in catalogue.glob("*/*") if p.is_dir()}
    for path in sorted(p for p in assignment.release_dir.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        assert not folders & set(path.parts), path
        for where, line in release._lines(path):
            assert line.strip() not in own, f"{path}, {where}: {line.strip()!r} comes from {own[line.strip()]}"
