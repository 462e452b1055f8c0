"""Diagnosis (autograder.diagnosis): a failing part is told which catalogue mistake it reproduces, in
results.json, feedback.txt and the summary table; never one that contradicts a test, never one that is
opted out or switched off."""
import dataclasses
import json
import shutil

import pytest
import torch
from helpers import SUBMISSIONS, compose
from rich.console import Console

from autograder import diagnosis, report
from autograder.config import ConfigError, Diagnosis
from autograder.grade import grade
from autograder.harness import Outcome


def _outcome(nodeid, passed, part="p"):
    return Outcome(nodeid, nodeid, part, passed, "")


class _Catalogue:
    def __init__(self, entries, outputs):
        self.entries, self.outputs = entries, outputs


def _entry(name, loses=("p",)):
    return diagnosis.Entry(name, "conv.py", f"does {name}", f"Undo {name}.", loses, None)


@pytest.fixture
def one_part(convolution):
    part = dataclasses.replace(convolution.parts["conv2d_forward"], name="p")
    return dataclasses.replace(convolution, parts={"p": part})


def test_the_entry_that_explains_most_failing_tests_wins(one_part):
    outcomes = [_outcome("pass", True), _outcome("f1", False), _outcome("f2", False)]
    answers = {"pass": [("k0", ("value", 1.0))], "f1": [("k1", ("value", 2.0))],
               "f2": [("k2", ("raised", "IndexError"))]}
    catalogue = _Catalogue([_entry("one"), _entry("both")], {
        "one": {"k0": ("value", 1.0), "k1": ("value", 2.0), "k2": None},  # k2 not comparable: neutral
        "both": {"k0": ("value", 1.0), "k1": ("value", 2.0), "k2": ("raised", "IndexError")},
    })
    found = diagnosis.diagnose(one_part, catalogue, outcomes, answers)
    assert found == {"p": {"entry": "both", "mistake": "does both", "fix": "Undo both.", "matched": 2, "failed": 2}}


def test_a_tie_goes_to_the_entry_that_loses_only_what_the_submission_fails(one_part):
    """Two mistakes giving the same values on a part: the one that would also lose a part the student passes
    is not theirs, even when it comes first in the catalogue."""
    two = dataclasses.replace(one_part, parts={"p": one_part.parts["p"], "q": dataclasses.replace(
        one_part.parts["p"], name="q")})
    outcomes = [_outcome("f1", False), _outcome("q1", True, part="q")]
    answers = {"f1": [("k1", ("value", 2.0))], "q1": [("kq", ("value", 0.0))]}
    same = {"k1": ("value", 2.0)}
    catalogue = _Catalogue([_entry("also_loses_q", ("p", "q")), _entry("only_p")], {"also_loses_q": same,
                                                                                    "only_p": same})
    assert diagnosis.diagnose(two, catalogue, outcomes, answers)["p"]["entry"] == "only_p"
    outcomes[1] = _outcome("q1", False, part="q")  # failing q too: both explain it, the catalogue's order decides
    assert diagnosis.diagnose(two, catalogue, outcomes, answers)["p"]["entry"] == "also_loses_q"


def test_a_nan_where_the_entry_has_one_agrees(one_part):
    """A mistake that overflows to nan is named when the nan is where the entry's is, and only there."""
    outcomes = [_outcome("f1", False)]
    nan = float("nan")
    catalogue = _Catalogue([_entry("overflows")], {"overflows": {"k1": ("value", (torch.tensor([1.0, nan]), nan))}})
    same = {"f1": [("k1", ("value", (torch.tensor([1.0, nan]), nan)))]}
    elsewhere = {"f1": [("k1", ("value", (torch.tensor([nan, 1.0]), nan)))]}
    assert diagnosis.diagnose(one_part, catalogue, outcomes, same)["p"]["entry"] == "overflows"
    assert diagnosis.diagnose(one_part, catalogue, outcomes, elsewhere) == {}


def test_an_entry_that_disagrees_anywhere_is_not_named(one_part):
    outcomes = [_outcome("pass", True), _outcome("f1", False), _outcome("f2", False)]
    answers = {"pass": [("k0", ("value", 1.0))], "f1": [("k1", ("value", 2.0))], "f2": [("k2", ("value", 3.0))]}
    catalogue = _Catalogue([_entry("wrong_where_passing"), _entry("wrong_on_f2"), _entry("other_part", ("q",))], {
        "wrong_where_passing": {"k0": ("value", 1.5), "k1": ("value", 2.0), "k2": ("value", 3.0)},
        "wrong_on_f2": {"k0": ("value", 1.0), "k1": ("value", 2.0), "k2": ("raised", "ValueError")},
        "other_part": {"k0": ("value", 1.0), "k1": ("value", 2.0), "k2": ("value", 3.0)},
    })
    assert diagnosis.diagnose(one_part, catalogue, outcomes, answers) == {}


def test_within_the_scaled_tolerance_only(one_part):
    import torch
    got = torch.ones(3, dtype=torch.float64)
    outcomes = [_outcome("f", False)]
    catalogue = _Catalogue([_entry("close")], {"close": {"k": ("value", got + 5e-7)}})
    assert diagnosis.diagnose(one_part, catalogue, outcomes, {"f": [("k", ("value", got))]})  # within 10 * rtol 1e-7
    catalogue.outputs["close"]["k"] = ("value", got + 1e-4)
    assert not diagnosis.diagnose(one_part, catalogue, outcomes, {"f": [("k", ("value", got))]})


def test_entries_opt_out_and_are_checked(convolution, tmp_path):
    course = dataclasses.replace(convolution, root=tmp_path)
    folder = course.hidden_dir / "catalogue"
    folder.mkdir(parents=True)
    (folder / "catalogue.toml").write_text(
        '[wrong.a]\nfile = "conv.py"\nmistake = "adds"\nfix = "Do not."\nloses = ["conv2d_forward"]\n'
        '[wrong.b]\nfile = "conv.py"\nmistake = "misleads"\nloses = ["conv2d_forward"]\ndiagnose = false\n')
    assert [e.name for e in diagnosis.entries(course)] == ["a"]
    assert diagnosis.entries(dataclasses.replace(course, diagnosis=Diagnosis(enabled=False))) == []
    (folder / "catalogue.toml").write_text('[wrong.a]\nfile = "conv.py"\nmistake = "m"\nfix = 3\nloses = ["x"]\n')
    with pytest.raises(ConfigError, match=r"\[wrong.a\] fix = 3 should be a string"):
        diagnosis.entries(course)


@pytest.fixture(scope="module")
def graded(convolution, tmp_path_factory):
    """A kernel-flipped submission (one catalogue mistake) and the bundled buggy one (two mistakes in the
    backward pass, one in conv_output_size), graded once."""
    tmp = tmp_path_factory.mktemp("diagnosis")
    flipped = compose(convolution, convolution.hidden_dir / "catalogue" / "wrong" / "conv_kernel_flipped",
                      tmp / "flipped")
    buggy = tmp / "buggy"
    shutil.copytree(SUBMISSIONS / "convolution" / "examples" / "buggy", buggy)
    results = grade(convolution, [flipped, buggy], tmp / "out", jobs=2)
    return tmp / "out", {r.submission: r for r in results}


def test_a_catalogue_mistake_is_named_everywhere(graded):
    out, results = graded
    flipped = results["flipped"]
    assert flipped.diagnosis("conv2d_forward")["entry"] == "conv_kernel_flipped"
    assert not any(flipped.diagnosis(p) for p in ("conv2d_backward", "conv_output_size", "receptive_field"))
    tests = json.loads((out / "flipped" / "results.json").read_text())["tests"]
    failing = [t for t in tests if t["status"] == "failed"]
    assert failing and all(t["extra_data"]["diagnosis"]["entry"] == "conv_kernel_flipped" for t in failing)
    assert all(t["output"].startswith("Diagnosis: this looks like a known mistake: your code flips the kernel")
               for t in failing)
    assert not any("extra_data" in t for t in tests if t["status"] == "passed")
    assert failing[0]["extra_data"]["diagnosis"]["matched"] == len(failing)
    feedback = (out / "flipped" / "feedback.txt").read_text()
    assert "your code flips the kernel" in feedback
    console = Console(width=250, record=True)
    report.print_table(list(results.values()), "t", console)
    assert "conv2d_forward: conv_kernel_flipped" in console.export_text()


def test_two_mistakes_in_one_part_get_no_diagnosis(graded):
    _, results = graded
    buggy = results["buggy"]
    assert buggy.part_score("conv2d_backward") < 40 and not buggy.diagnosis("conv2d_backward")
    assert buggy.diagnosis("conv_output_size")["entry"] == "rf_output_size_dilation_ignored"


def test_withheld_details_keep_the_diagnosis_and_nothing_of_the_inputs(graded):
    _, results = graded
    flipped = results["flipped"]
    hidden = dataclasses.replace(flipped, assignment=dataclasses.replace(flipped.assignment,
                                                                         show_hidden_details=False))
    tests = report.gradescope(hidden)["tests"]
    failing = [t for t in tests if t["status"] == "failed"]
    assert all(t["output"].endswith("failed (details withheld)") and "flips the kernel" in t["output"]
               for t in failing)
    for text in [t["output"] for t in failing]:  # the sentence and counts only: no input, no value
        assert "x(2, 3, 5, 5)" not in text and "stride=" not in text and "got " not in text
    assert "flips the kernel" in report.feedback_text(hidden) and "got " not in report.feedback_text(hidden)
