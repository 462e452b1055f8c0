"""Benchmark: grade ten convolution submissions in one call; print wall time and workers' peak memory.

    .venv/bin/python tests/benchmark.py [--jobs N]

A script, not a timed test. Targets on 2 cores: under 15 s for the ten, under 1 GiB per worker.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from helpers import ROOT, SUBMISSIONS, compose  # noqa: E402

from autograder import config  # noqa: E402
from autograder.grade import grade  # noqa: E402

CATALOGUE = ROOT / "hidden" / "convolution" / "catalogue"
MIXED = [  # (name, fixture folder, base)
    ("correct", SUBMISSIONS / "convolution" / "examples" / "correct", None),
    ("buggy", SUBMISSIONS / "convolution" / "examples" / "buggy", None),
    ("stubs", ROOT / "assignments" / "convolution", None),
    ("reference", ROOT / "solutions" / "convolution", None),
    ("loops", CATALOGUE / "correct" / "conv_loops", "reference"),
    ("shifted_slices", CATALOGUE / "correct" / "conv_shifted_slices_transposed", "reference"),
    ("as_strided", CATALOGUE / "correct" / "conv_as_strided_index_add", "reference"),
    ("stride_ignored", CATALOGUE / "wrong" / "conv_stride_ignored", "reference"),
    ("kernel_flipped", CATALOGUE / "wrong" / "conv_kernel_flipped", "reference"),
    ("rf_layers_reversed", CATALOGUE / "wrong" / "rf_layers_reversed", "reference"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    course = config.load(ROOT / "grading.toml")
    assignment = course.assignment("convolution")
    with tempfile.TemporaryDirectory() as tmp:
        sources = [compose(assignment, folder, Path(tmp) / name, base) if base else folder
                   for name, folder, base in MIXED]
        started = time.perf_counter()
        results = grade(assignment, sources, None, args.jobs or course.jobs, names=[n for n, *_ in MIXED])
        wall = time.perf_counter() - started
    tests = sum(len(r.tests) for r in results)
    peak = max(r.max_rss_kb for r in results) / 1024
    for r in results:
        print(f"  {r.submission:20s} {r.score:7.2f}/{r.max_score:g}  judge {r.seconds:5.2f} s  "
              f"worker peak RSS {r.max_rss_kb / 1024:6.0f} MiB")
    print(f"{len(results)} submissions, {tests} hidden tests, jobs={args.jobs or course.jobs}: "
          f"wall {wall:.2f} s, workers' peak RSS {peak:.0f} MiB (limit: torch + "
          f"{assignment.limits.memory_mb} MB)")


if __name__ == "__main__":
    main()
