"""Hostile and broken submissions, graded in one call beside an innocent one.

Each scores exactly what its honest content deserves (the parts it did not touch, from the reference),
gets a results.json that says why it lost points, and the innocent submission still gets full marks.
"""
import dataclasses
import json

import pytest
from helpers import SUBMISSIONS, compose

from autograder.grade import grade

ATTACKS = SUBMISSIONS / "convolution" / "attacks"
# name, base files, the score its honest content deserves, a phrase its feedback must contain.
# Parts: conv2d_forward 30, conv2d_backward 40 (conv.py); conv_output_size 10, receptive_field 20.
CASES = [
    ("syntax_error", "reference", 30, "SyntaxError"),
    ("missing_file", "reference", 30, "conv.py is missing"),
    ("exception_at_import", "reference", 30, "RuntimeError"),
    ("sys_exit_at_import", "reference", 30, "SystemExit(0)"),
    ("os_exit_at_import", "reference", 30, "ended the worker process"),
    ("sys_exit_in_function", "reference", 70, "SystemExit(0)"),
    ("os_exit_in_function", "reference", 60, "ended during the call"),
    ("infinite_loop", "reference", 70, "did not finish within"),
    ("infinite_loop_at_import", "reference", 70, "importing receptive_field.py did not finish"),
    ("patches_comparisons", "reference", 30, "has shape (1,)"),
    ("lying_tensor", "reference", 30, "values differ"),
    ("conftest_forces_pass", "stubs", 0, "not implemented yet"),
    ("forbidden_static", "reference", 70, "torch.nn.functional.conv2d"),
    ("forbidden_dynamic", "reference", 70, "uses torch.nn.functional.conv2d (conv.py, line"),
    ("forbidden_in_helper", "reference", 60, "torch.autograd.grad"),
    ("memory_hog", "reference", 70, "a worker may use 1024 MB"),
    ("huge_output", "reference", 70, "more than the 64 MiB allowed"),
    ("nan_output", "reference", 70, "contains nan"),
    ("returns_numpy", "reference", 70, "should be a torch.Tensor"),
    ("prints_a_lot", "reference", 100, "100 / 100"),
    ("garbage_on_the_channel", "reference", 70, "conv2d_forward: 0 / 30"),
    ("forged_reply", "reference", 70, "conv2d_forward: 0 / 30"),
]


@pytest.fixture(scope="module")
def graded(convolution, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attacks")
    quick = dataclasses.replace(convolution, limits=dataclasses.replace(convolution.limits, call_timeout_s=2.0))
    sources = [compose(convolution, ATTACKS / name, tmp / "in" / name, base) for name, base, *_ in CASES]
    sources.append(compose(convolution, tmp / "nothing", tmp / "in" / "innocent"))
    out = tmp / "out"
    results = grade(quick, sources, out, jobs=2)
    return {r.submission: r for r in results}, out


def test_every_case_has_a_fixture():
    assert sorted(p.name for p in ATTACKS.iterdir()) == sorted(name for name, *_ in CASES)


@pytest.mark.parametrize("name, base, deserved, phrase", CASES, ids=[c[0] for c in CASES])
def test_attack_scores_its_honest_content_only(graded, name, base, deserved, phrase):
    results, out = graded
    feedback = (out / name / "feedback.txt").read_text()
    report = json.loads((out / name / "results.json").read_text())
    assert results[name].score == pytest.approx(deserved), feedback
    assert report["score"] == pytest.approx(deserved)
    assert phrase in feedback, feedback
    assert not results[name].grader_errors, results[name].grader_errors[0].message


def test_innocent_beside_the_attackers_gets_full_marks(graded):
    results, out = graded
    assert results["innocent"].score == 100, (out / "innocent" / "feedback.txt").read_text()
