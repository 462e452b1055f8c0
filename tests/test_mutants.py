"""`autograder validate NAME --mutants`: the mutants a student's slips look like, and the proof that every
hidden suite kills a seeded sample of them (the full run is a README command)."""
import dataclasses
import textwrap

import pytest
from helpers import ASSIGNMENTS, ROOT
from rich.console import Console

from autograder import mutants
from autograder.cli import main

SOURCE = textwrap.dedent('''\
    """A module."""
    LIMIT = 3


    def output_size(size, kernel, stride=1, ceil=False):
        """Docstring 1 + 2."""
        ### BEGIN SOLUTION
        if ceil:
            return -(-(size - kernel) // stride) + 1
        return (size - kernel) // stride + 1
        ### END SOLUTION


    def moments(x):
        ### BEGIN SOLUTION
        mean = x.mean(dim=(0, 2), keepdim=True)
        return mean, x[:, 1:].clone()
        ### END SOLUTION
    ''')


@pytest.fixture(scope="module")
def generated():
    return {(m.function, m.original, m.mutated) for m in mutants.mutate("sizes.py", SOURCE)}


@pytest.mark.parametrize("function, original, mutated", [
    ("output_size", "(size - kernel) // stride", "int((size - kernel) / stride)"),  # truncation, not floor
    ("output_size", "(size - kernel) // stride", "round((size - kernel) / stride)"),
    ("output_size", "(size - kernel) // stride", "(size - kernel) / stride"),  # mutmut's operator
    ("output_size", "(size - kernel) // stride + 1", "(size - kernel) // stride"),  # a term removed
    ("output_size", "1", "2"),  # an integer off by one, up (mutmut) ...
    ("output_size", "1", "0"),  # ... and down
    ("output_size", "False", "True"),  # a default argument changed
    ("output_size", "if ceil: return -(-(size - kernel) // stride) + 1",
     "if False: return -(-(size - kernel) // stride) + 1"),  # a branch removed
    ("moments", "x.mean(dim=(0, 2), keepdim=True)", "x.mean(dim=(0,), keepdim=True)"),  # a dim left out
    ("moments", "True", "False"),  # keepdim dropped
    ("moments", "x[:, 1:].clone()", "x[:, 1:]"),  # .clone() dropped
    ("moments", "return mean, x[:, 1:].clone()", "return (mean).float(), x[:, 1:].clone()"),  # a cast inserted
])
def test_the_operators_make_the_mutants_students_make(generated, function, original, mutated):
    assert (function, original, mutated) in generated, sorted(generated)


def test_only_solution_regions_and_signatures_are_mutated():
    found = mutants.mutate("sizes.py", SOURCE)
    region_lines = {8, 9, 10, 16, 17} | {5, 14}  # the regions' bodies, and the two signatures
    assert found and {m.line for m in found} <= region_lines, sorted({m.line for m in found})
    for mutant in found:
        assert mutant.source != SOURCE and compile(mutant.source, "sizes.py", "exec")
        assert '"""Docstring 1 + 2."""' in mutant.source and "LIMIT = 3" in mutant.source


def test_mutant_ids_are_stable_and_distinct():
    first, second = mutants.mutate("sizes.py", SOURCE), mutants.mutate("sizes.py", SOURCE)
    assert [m.id for m in first] == [m.id for m in second]
    assert len({m.id for m in first}) == len(first) == len({m.source for m in first})


def _survivor(convolution):
    """A mutant that changes nothing the suite can see: it survives unless it is recorded as equivalent."""
    text = (convolution.solution_dir / "receptive_field.py").read_text()
    source = text.replace("rf, jump = 1, 1", "rf, jump = 1, 1  # mutated", 1)
    return mutants.Mutant("0123456789", "receptive_field.py", "receptive_field", 54, "rf", "rf", source)


def test_an_untriaged_survivor_fails_and_an_equivalent_one_passes(convolution, monkeypatch, capsys):
    survivor = _survivor(convolution)
    killed = dataclasses.replace(survivor, id="killed0000", source=survivor.source.replace("rf += ", "rf -= "))
    monkeypatch.setattr(mutants, "generate", lambda assignment: [survivor, killed])
    monkeypatch.setattr(mutants, "equivalents", lambda assignment: {})
    assert not mutants.validate_mutants(convolution, jobs=2, console=Console(width=300))
    out = capsys.readouterr().out
    assert "2 mutants, 1 killed, 0 equivalent, 1 untriaged survivors" in out
    assert "0123456789 survives with full marks" in out and "mutants.toml" in out

    monkeypatch.setattr(mutants, "equivalents", lambda assignment: {"0123456789": "a comment only",
                                                                    "killed0000": "wrongly listed"})
    assert not mutants.validate_mutants(convolution, jobs=2, console=Console(width=300))
    assert "killed0000 is listed as equivalent but is killed" in capsys.readouterr().out

    monkeypatch.setattr(mutants, "equivalents", lambda assignment: {"0123456789": "a comment only"})
    assert mutants.validate_mutants(convolution, jobs=2, console=Console(width=300))


def test_every_recorded_equivalent_says_why(course):
    for name in ASSIGNMENTS:
        assignment = course.assignment(name)
        ids = {m.id for m in mutants.generate(assignment)}
        for mutant_id, why in mutants.equivalents(assignment).items():
            assert mutant_id in ids and why.strip(), (name, mutant_id)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_a_seeded_sample_of_mutants_is_killed(name, capsys):
    """CI's regression check on each suite's coverage; the full run is `autograder validate NAME --mutants`."""
    assert main(["--config", str(ROOT / "grading.toml"), "validate", name, "--mutants", "--sample", "24",
                 "--jobs", "2"]) == 0, capsys.readouterr().out


def test_only_grades_the_named_mutants(capsys):
    """--only re-checks a survivor after a new test; an id that is no mutant is one clear sentence."""
    args = ["--config", str(ROOT / "grading.toml"), "validate", "lstm", "--mutants", "--jobs", "1"]
    assert main([*args, "--only", "0a92ddc5da"]) == 0  # an equivalent one: torch.stack's default dim
    out = capsys.readouterr().out
    assert "1 of 89 mutants, 0 killed, 1 equivalent, 0 untriaged survivors" in " ".join(out.split()), out
    assert main([*args, "--only", "nosuchid00"]) != 0
    assert "--only nosuchid00: no such mutant of lstm's reference" in " ".join(capsys.readouterr().err.split())
