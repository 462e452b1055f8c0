"""Known mistakes for the public tests, computed at release time: diagnosis while the student works.

Each diagnosable catalogue entry (autograder.diagnosis.entries) runs the release's public tests, its file
in place of the stub and the reference's other files, in one subprocess for all entries (python -m
autograder.known_mistakes). For every check it fails, the sketch of its result (checks.sketch: per tensor
its shape, dtype and three weighted sums) is kept with the entry's mistake and fix sentences:

    public_data.json  "known_mistakes": {"tolerance_factor": 10.0,
                                         "tests": {NODEID: [{"check", "sketch", "entry", "mistake", "fix"}]}}

The student's conftest.py tells a failed check whose result resembles one of them which mistake it looks
like (checks.known_mistake). Only data is released: no catalogue source reaches assignments/.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder import checks, diagnosis
from autograder.config import Assignment, ConfigError

TIMEOUT_S = 900


def collect(assignment: Assignment, release: Path) -> dict:
    """The known mistakes of the public tests in `release` ({} without a diagnosable catalogue entry)."""
    entries = diagnosis.entries(assignment)
    if not entries:
        return {}
    with tempfile.TemporaryDirectory(prefix="known-mistakes-") as tmp:
        spec = Path(tmp) / "entries.json"
        spec.write_text(json.dumps([{"name": e.name, "file": e.file, "path": str(e.path)} for e in entries]))
        out = Path(tmp) / "found.json"
        run = subprocess.run([sys.executable, "-m", "autograder.known_mistakes", str(release),
                              str(assignment.solution_dir), *assignment.files, "--entries", str(spec), "--out",
                              str(out)], capture_output=True, text=True, timeout=TIMEOUT_S,
                             env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})
        if run.returncode:
            raise ConfigError(f"the catalogue's entries could not run the public tests of {assignment.name} "
                              f"({run.stderr.strip().splitlines()[-1:]}); fix the entry it names.")
        found = json.loads(out.read_text())
    text = {e.name: e for e in entries}
    tests: dict[str, list] = {}
    for record in found:
        entry = text[record["entry"]]
        tests.setdefault(record["test"], []).append({"check": record["check"], "sketch": record["sketch"],
                                                     "entry": entry.name, "mistake": entry.mistake, "fix": entry.fix})
    return {"tolerance_factor": assignment.diagnosis.tolerance_factor, "tests": tests}


class _Recorder:
    """Keeps the sketch of the result of every failed check (one per failed test), each test seeded alike."""

    def __init__(self, entry: str, found: list, seed: int):
        self.entry, self.found, self.seed = entry, found, seed

    def pytest_runtest_setup(self, item):
        import random

        import numpy as np
        import torch

        random.seed(self.seed)
        np.random.seed(self.seed)
        torch.manual_seed(self.seed)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        yield
        error = call.excinfo.value if call.excinfo is not None else None
        if call.when == "call" and hasattr(error, "got") and hasattr(error, "name"):
            self.found.append({"entry": self.entry, "test": item.nodeid, "check": error.name,
                               "sketch": checks.sketch(error.got)})


def _main(argv: list[str]) -> int:
    release, solutions, *rest = argv
    release, solutions = Path(release).resolve(), Path(solutions).resolve()
    files = rest[:rest.index("--entries")]
    entries = json.loads(Path(rest[rest.index("--entries") + 1]).read_text())
    out = Path(rest[rest.index("--out") + 1]).resolve()
    runs: list[list] = [[], []]  # two seeds: what depends on a random draw differs and is left out
    with tempfile.TemporaryDirectory(prefix="known-") as tmp:
        for seed, found in enumerate(runs):
            _run(entries, files, release, solutions, Path(tmp) / f"seed{seed}", found, seed)
    again = {json.dumps(record, sort_keys=True) for record in runs[1]}
    out.write_text(json.dumps([record for record in runs[0] if json.dumps(record, sort_keys=True) in again]))
    return 0


def _run(entries: list, files: list, release: Path, solutions: Path, tmp: Path, found: list, seed: int) -> None:
    tmp.mkdir()
    for entry in entries:
        folder = tmp / entry["name"]
        shutil.copytree(release, folder, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
        for file in files:
            shutil.copyfile(Path(solutions) / file, folder / file)
        shutil.copyfile(entry["path"], folder / entry["file"])
        for name, module in list(sys.modules.items()):  # the previous entry's modules, tests and conftest
            if str(getattr(module, "__file__", "") or "").startswith(str(tmp.parent)):
                del sys.modules[name]
        os.chdir(folder)
        pytest.main([str(folder), "-q", "-p", "no:cacheprovider", "-p", "no:unraisableexception", "-p",
                     "no:threadexception", "-p", "no:logging", "-W", "ignore"],
                    plugins=[_Recorder(entry["name"], found, seed)])


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
