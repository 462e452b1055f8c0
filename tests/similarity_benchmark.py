"""Benchmark: `autograder similarity` on 300 generated convolution students; print time and peak memory.

    .venv/bin/python tests/similarity_benchmark.py [--students 300]

A script, not a timed test. Each student takes a random conv.py and receptive_field.py from the
catalogue (30 and 29 versions, most of them the reference with one mistake) plus a helper function of
their own, so the class is far more alike than a real one: nearly every pair shares code and is
compared exactly, the worst case for time.
"""
import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from helpers import ROOT  # noqa: E402

from autograder import config  # noqa: E402
from autograder.similarity import compare, write_report  # noqa: E402

CATALOGUE = ROOT / "hidden" / "convolution" / "catalogue"


def _helper(rng: random.Random) -> str:
    terms = " + ".join(f"{rng.randint(2, 99)} * values[{i}]" for i in range(rng.randint(3, 8)))
    name, divisor = f"helper_{rng.randint(0, 10**6)}", rng.randint(2, 9)
    return f"\n\ndef {name}(values):\n    total = {terms}\n    return total // {divisor}\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args()
    assignment = config.load(ROOT / "grading.toml").assignment("convolution")
    rng = random.Random(0)
    pools = {file: sorted(CATALOGUE.glob(f"*/*/{file}")) + [assignment.solution_dir / file]
             for file in assignment.files}
    with tempfile.TemporaryDirectory() as tmp:
        students = {}
        for i in range(args.students):
            folder = Path(tmp) / f"student{i:03d}"
            folder.mkdir()
            for file, pool in pools.items():
                shutil.copyfile(rng.choice(pool), folder / file)
                with (folder / file).open("a") as stream:
                    stream.write(_helper(rng))
            students[folder.name] = folder
        started = time.monotonic()
        pairs = compare(assignment, students)
        seconds = time.monotonic() - started
        page, _ = write_report(assignment, pairs, Path(tmp) / "reports", len(students))
        size = page.stat().st_size
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.students} students, {args.students * (args.students - 1) // 2} pairs per file: {seconds:.1f} s, "
          f"{len(pairs)} pairs flagged, report {size / 1e6:.1f} MB, peak RSS {peak:.0f} MiB")


if __name__ == "__main__":
    main()
