"""Fingerprints that decide whether a stored result is still valid (resume) and whether shards belong together.

- `inputs(assignment)`: what the grader grades with: the assignment's grading.toml table (as loaded), the
  hidden suite, the reference solution's modules and the kit itself (its version and its source).
- `submission(source, files)`: the declared files a submission hands in (and why any could not be taken).

A result is reused only when both are unchanged. Paths enter relative to their folders, so the same course
checked out on several machines (the shards of a cluster job) gives the same fingerprints.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.metadata
import json
from pathlib import Path

from autograder import intake
from autograder.config import Assignment

PACKAGE = Path(__file__).parent
SKIPPED = ("__pycache__", ".ipynb_checkpoints", "catalogue")


def _tree(digest, folder: Path, pattern: str = "*") -> None:
    for path in sorted(folder.rglob(pattern)):
        relative = path.relative_to(folder)
        if path.is_file() and not set(relative.parts) & set(SKIPPED) and path.suffix != ".pyc":
            digest.update(f"{relative.as_posix()}\0{path.stat().st_size}\0".encode())
            digest.update(path.read_bytes())


@functools.cache
def _kit() -> str:
    digest = hashlib.sha256(importlib.metadata.version("dl-autograder").encode())
    _tree(digest, PACKAGE, "*.py")
    return digest.hexdigest()


def inputs(assignment: Assignment) -> str:
    table = {k: v for k, v in dataclasses.asdict(assignment).items() if k != "root"}
    digest = hashlib.sha256(json.dumps(table, sort_keys=True, default=str).encode())
    digest.update(_kit().encode())
    for label, folder, pattern in (("hidden", assignment.hidden_dir, "*"),
                                   ("reference", assignment.solution_dir, "*.py")):
        digest.update(f"\0{label}\0".encode())
        _tree(digest, folder, pattern)
    if assignment.diagnosis.enabled:  # the wrong entries name mistakes in feedback (autograder.diagnosis)
        catalogue = assignment.hidden_dir / "catalogue"
        digest.update(b"\0catalogue\0")
        for path in (catalogue / "catalogue.toml",):
            if path.is_file():
                digest.update(path.read_bytes())
        if (catalogue / "wrong").is_dir():
            _tree(digest, catalogue / "wrong")
    return digest.hexdigest()


def submission(source: Path, files: tuple[str, ...]) -> str:
    found, problems = intake.read(source, files)
    digest = hashlib.sha256()
    for name in files:
        data = found.get(name)
        digest.update(f"{name}\0{len(data) if data is not None else -1}\0{problems.get(name, '')}\0".encode())
        digest.update(data or b"")
    return digest.hexdigest()
