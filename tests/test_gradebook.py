"""Bulk gradebook writes: 300 submissions into nbgrader's gradebook.db in one transaction, read back through
nbgrader's own API and its CSV export; rewriting updates scores in place."""
import csv
import time

import pytest
from nbgrader.api import Gradebook
from nbgrader.plugins.export import CsvExportPlugin

from autograder import gradebook, report

STUDENTS = 300
TESTS_PER_PART = 30
SAMPLE = [f"s{i:03d}" for i in range(0, STUDENTS, 37)] + ["s001"]  # read back through nbgrader's slow API


def _results(assignment, passed_every: int, prefix: str = "s", count: int = STUDENTS) -> list[report.Result]:
    """Student i passes the tests whose index is a multiple of (i % passed_every + 1)."""
    results = []
    for i in range(count):
        tests = []
        for name, part in assignment.parts.items():
            each = part.points / TESTS_PER_PART
            for j in range(TESTS_PER_PART):
                passed = j % (i % passed_every + 1) == 0
                tests.append(report.TestResult(f"{name}: test_{j}", name, each if passed else 0.0, each, passed))
        results.append(report.Result(assignment, f"{prefix}{i:03d}", tests=tests))
    return results


def _scores(course, students) -> dict[str, float]:
    with Gradebook(gradebook.url(course)) as book:
        return {s: book.find_submission("convolution", s).score for s in students}


@pytest.fixture(scope="module")
def written(tmp_path_factory, convolution):
    course = tmp_path_factory.mktemp("gradebook")
    results = _results(convolution, 4)
    with Gradebook(gradebook.url(course)):
        pass  # nbgrader creates the database once per course (alembic), before any grading
    started = time.perf_counter()
    gradebook.write(convolution, course, results)
    return course, {r.submission: r.score for r in results}, time.perf_counter() - started


def test_300_submissions_take_under_10_s(written):
    _, _, seconds = written
    print(f"gradebook: {STUDENTS} submissions x {TESTS_PER_PART * 4} tests written in {seconds:.2f} s")
    assert seconds < 10


def test_nbgrader_reads_the_scores(written, convolution):
    course, expected, _ = written
    with Gradebook(gradebook.url(course)) as book:
        assignment = book.find_assignment("convolution")
        assert assignment.max_score == pytest.approx(100) and len(assignment.submissions) == STUDENTS
        assert {n.name for n in assignment.notebooks} == set(convolution.parts)
    scores = _scores(course, SAMPLE)
    assert scores == pytest.approx({s: expected[s] for s in SAMPLE}, abs=1e-3)
    assert scores["s000"] == pytest.approx(100) and scores["s001"] == pytest.approx(50)


def test_nbgrader_export_reads_it(written, tmp_path):
    course, expected, _ = written
    target = tmp_path / "export.csv"
    with Gradebook(gradebook.url(course)) as book:
        CsvExportPlugin(to=str(target), student=SAMPLE).export(book)
    rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(target.open())}
    assert rows == pytest.approx({s: expected[s] for s in SAMPLE}, abs=1e-3)


def test_rewriting_updates_in_place(written, convolution):
    course, _, _ = written
    first = _results(convolution, 4, prefix="r", count=6)
    gradebook.write(convolution, course, first)
    regraded = _results(convolution, 2, prefix="r", count=6)  # other scores, same students and tests
    gradebook.write(convolution, course, regraded[:3])
    with Gradebook(gradebook.url(course)) as book:
        assert len(book.find_assignment("convolution").notebooks[0].grade_cells) == TESTS_PER_PART
    scores = _scores(course, [r.submission for r in first])
    assert scores == pytest.approx({r.submission: r.score for r in regraded[:3] + first[3:]}, abs=1e-3)
    assert scores["r002"] == pytest.approx(100) != first[2].score
    assert scores["r003"] == pytest.approx(first[3].score, abs=1e-3)
