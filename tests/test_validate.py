"""`autograder validate convolution`: reference full, stubs 0, every wrong implementation loses points in
the parts its catalogue entry names, every correct one gets full marks."""
import dataclasses

import pytest
from helpers import ASSIGNMENTS, ROOT
from rich.console import Console

from autograder import validate
from autograder.cli import main


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
