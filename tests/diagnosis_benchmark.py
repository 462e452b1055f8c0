"""Benchmark: what diagnosis (autograder.diagnosis) adds to a batch where half the submissions fail.

    .venv/bin/python tests/diagnosis_benchmark.py [--assignment convolution] [--count 20] [--jobs 2] [--rounds 2]

The batch: half correct submissions (the reference and the catalogue's correct entries), half the catalogue's
wrong ones. It is graded with [NAME.diagnosis] enabled and disabled, alternately, `--rounds` times each, in
one run; prints the wall time of each batch, the catalogue's once-per-batch time and the overhead. A script,
not a timed test: on a shared machine compare only figures from the same run.
"""
import argparse
import dataclasses
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from helpers import ROOT, compose  # noqa: E402

from autograder import config  # noqa: E402
from autograder.config import Diagnosis  # noqa: E402
from autograder.grade import Summary, grade  # noqa: E402


def batch(assignment: config.Assignment, count: int, tmp: Path) -> list[Path]:
    folder = assignment.hidden_dir / "catalogue"
    entries = tomllib.loads((folder / "catalogue.toml").read_text())
    correct = [folder / "correct" / name for name in entries.get("correct", {})] + [assignment.solution_dir]
    wrong = [folder / "wrong" / name for name in entries.get("wrong", {})]
    sources = []
    for i in range(count):
        pool = wrong if i % 2 else correct
        sources.append(compose(assignment, pool[(i // 2) % len(pool)], tmp / f"{i:04d}"))
    return sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="convolution")
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    on = config.load(ROOT / "grading.toml").assignment(args.assignment)
    off = dataclasses.replace(on, diagnosis=Diagnosis(enabled=False))
    times = {"with": [], "without": []}
    with tempfile.TemporaryDirectory() as tmp:
        sources = batch(on, args.count, Path(tmp))
        for _ in range(args.rounds):
            for label, assignment in (("with", on), ("without", off)):
                summary = Summary()
                started = time.monotonic()
                results = grade(assignment, sources, None, args.jobs, summary=summary)
                wall = time.monotonic() - started
                named = sum(any(t.diagnosis for t in r.tests) for r in results)
                failing = sum(r.score < r.max_score for r in results)
                times[label].append(wall)
                print(f"{label:>7} diagnosis: {wall:6.1f} s wall, {failing} of {len(results)} failing, {named} "
                      f"diagnosed; catalogue once per batch {summary.diagnosis_seconds:.2f} s", flush=True)
    best = {label: min(values) for label, values in times.items()}
    print(f"best of {args.rounds}: {best['with']:.1f} s with, {best['without']:.1f} s without diagnosis: "
          f"{100 * (best['with'] / best['without'] - 1):+.0f} %")


if __name__ == "__main__":
    main()
