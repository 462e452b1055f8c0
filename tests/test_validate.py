"""`autograder validate convolution`: reference full, stubs 0, every wrong implementation loses points in
the parts its catalogue entry names, every correct one gets full marks."""
import dataclasses

import pytest
from helpers import ASSIGNMENTS, ROOT
from rich.console import Console

from autograder import report, validate
from autograder.cli import main
from autograder.config import ConfigError


@pytest.mark.timeout(900)  # a whole catalogue and diagnosis set (up to 70 submissions); 2 to 3 min on 2 idle cores
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_validate_passes(name, capsys):
    """What CI must prove: `autograder validate NAME` exits 0 for every assignment."""
    assert main(["--config", str(ROOT / "grading.toml"), "validate", name, "--jobs", "2"]) == 0, \
        capsys.readouterr().out


def test_validate_fails_when_a_wrong_implementation_scores_full(convolution, tmp_path, monkeypatch, capsys):
    entries = validate.catalogue(convolution)
    wrong = next(e for e in entries if e.kind == "wrong" and e.name == "conv_bias_ignored")
    # pretend the reference itself is a "wrong" entry: it cannot lose points, so validate must fail
    fake = dataclasses.replace(wrong, name="reference_called_wrong", source=convolution.solution_dir)
    monkeypatch.setattr(validate, "catalogue", lambda assignment: [fake])
    assert not validate.validate(convolution, jobs=2, console=Console(width=300))
    out = capsys.readouterr().out
    assert "should lose points in conv2d_forward" in out
    assert "at least 10 are required" in out


def _diagnosed(convolution, entry: str) -> report.Result:
    diagnosis = {"entry": entry, "mistake": "m", "fix": "f", "matched": 1, "failed": 1} if entry else {}
    return report.Result(convolution, "s", tests=[report.TestResult("t", "conv2d_forward", 0, 1, False, "",
                                                                    diagnosis=diagnosis)])


def test_diagnosis_recall_and_wrong_diagnoses_fail_validate(convolution):
    variants = [validate.Expectation("variant", f"diagnosis/v{i}", convolution.solution_dir, expect="conv_bias_ignored")
                for i in range(10)]
    double = validate.Expectation("double", "diagnosis/d", convolution.solution_dir, expect="")
    graded = [(v, _diagnosed(convolution, "conv_bias_ignored")) for v in variants] + \
        [(double, _diagnosed(convolution, ""))]
    line, failures = validate.diagnosis_report(graded)
    assert failures == [] and "recall 10/10 (100 %), precision 10/10 (100 %), 0 wrong" in line
    graded[0] = (variants[0], _diagnosed(convolution, ""))  # 9 of 10 recalled: still enough
    assert validate.diagnosis_report(graded)[1] == []
    graded[1] = (variants[1], _diagnosed(convolution, "conv_padding_ignored"))  # a wrong one, and 8 of 10
    line, failures = validate.diagnosis_report(graded)
    assert "recall 8/10" in line and "precision 8/9" in line
    assert failures[0] == "variant diagnosis/v1: diagnosed as conv_padding_ignored, not (only) conv_bias_ignored"
    assert "recall 8/10 is below 90%" in failures[1]
    graded[-1] = (double, _diagnosed(convolution, "conv_kernel_flipped"))
    assert "double diagnosis/d: diagnosed as conv_kernel_flipped, which it should not be" in \
        validate.diagnosis_report(graded)[1]


def test_the_diagnosis_set_is_checked(convolution, tmp_path):
    course = dataclasses.replace(convolution, root=tmp_path)
    folder = course.hidden_dir / "catalogue" / "diagnosis"
    (folder / "v").mkdir(parents=True)
    (folder / "v" / "conv.py").write_text("")
    (folder.parent / "catalogue.toml").write_text(
        '[wrong.a]\nfile = "conv.py"\nmistake = "m"\nloses = ["conv2d_forward"]\n')
    (folder / "diagnosis.toml").write_text('[variant.v]\nfile = "conv.py"\nexpect = "a"\n')
    [entry] = validate.diagnosis_set(course)
    assert (entry.kind, entry.expect, entry.loses) == ("variant", "a", ("conv2d_forward",))
    (folder.parent / "catalogue.toml").write_text(
        '[wrong.a]\nfile = "conv.py"\nmistake = "m"\nloses = ["conv2d_forward"]\n'
        '[wrong.b]\nfile = "conv.py"\nmistake = "m"\nloses = ["conv2d_forward", "conv2d_backward"]\n')
    (folder / "diagnosis.toml").write_text('[double.v]\nfile = "conv.py"\nmistakes = ["a", "b"]\n')
    [entry] = validate.diagnosis_set(course)
    assert entry.allowed == {"conv2d_backward": "b"}  # the forward pass has both mistakes: nothing may be named
    (folder / "diagnosis.toml").write_text('[variant.v]\nfile = "conv.py"\nexpect = "nope"\n')
    with pytest.raises(ConfigError, match="expect = 'nope' should name a"):
        validate.diagnosis_set(course)


def test_every_diagnosis_set_holds_what_the_issue_asks(course):
    """At least a third of the catalogue's wrong entries rewritten, and at least 5 two-mistake submissions."""
    for assignment in course.assignments.values():
        proof = validate.diagnosis_set(assignment)
        if proof:
            wrong = [e for e in validate.catalogue(assignment) if e.kind == "wrong"]
            rewritten = {e.expect for e in proof if e.kind == "variant"}
            assert 3 * len(rewritten) >= len(wrong), assignment.name
            assert sum(e.kind == "double" for e in proof) >= 5, assignment.name
