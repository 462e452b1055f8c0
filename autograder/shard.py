"""Shards: one batch split over N processes or machines, and merged back into what one run gives.

`grade ... --shard K/N` grades the K-th of N shares: the submissions whose names, sorted, sit at positions
K-1, K-1+N, K-1+2N, ... (so the split does not depend on the order of the arguments), and writes
OUT/shard.json beside their results. `merge` checks that the shards belong together (same assignment, same
grader inputs, same submissions, every K from 1 to N exactly once, every submission of each shard graded)
and writes the results, grades.csv or the course's gradebook and exports as a single run would.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from autograder import store
from autograder.config import Assignment, Config, ConfigError
from autograder.report import Result

MANIFEST = "shard.json"


def parse(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not match or not 1 <= int(match[1]) <= int(match[2]):
        raise ConfigError(f"--shard {text!r} should be K/N with 1 <= K <= N, e.g. --shard 2/8 (Slurm: "
                          f"$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT).")
    return int(match[1]), int(match[2])


def select(names: list[str], k: int, n: int) -> list[int]:
    """The indices into `names` of the K-th of N shares (K from 1), in the order of `names`."""
    rank = {name: i for i, name in enumerate(sorted(names))}
    return [i for i, name in enumerate(names) if rank[name] % n == k - 1]


def write_manifest(out: Path, assignment: Assignment, inputs: str, names: list[str], chosen: list[int],
                   shard_of: tuple[int, int]) -> None:
    store.write_atomic(out / MANIFEST, json.dumps({
        "assignment": assignment.name, "inputs": inputs, "shard": shard_of[0], "of": shard_of[1],
        "names": names, "mine": [names[i] for i in chosen]}, indent=1) + "\n")


def _manifests(folders: list[Path]) -> list[tuple[Path, dict]]:
    found = []
    for folder in folders:
        try:
            found.append((folder, json.loads((folder / MANIFEST).read_text())))
        except (OSError, ValueError):
            raise ConfigError(f"{folder / MANIFEST} is missing or unreadable; pass the --out folders of "
                              f"`autograder grade ... --shard K/N` runs.") from None
    return found


def collect(course: Config, folders: list[Path]) -> tuple[Assignment, list[Result], list[dict]]:
    """The results of every shard, checked to make up one whole batch, in the batch's order."""
    shards = _manifests(folders)
    first_folder, first = shards[0]
    for folder, manifest in shards[1:]:
        for key, what in (("assignment", "assignment"), ("of", "number of shards"),
                          ("inputs", "grader inputs (hidden suite, reference, grading.toml, kit)")):
            if manifest[key] != first[key]:
                raise ConfigError(f"{folder} and {first_folder} differ in their {what}; regrade the shards "
                                  f"with the same checkout and the same --shard K/{first['of']}.")
        if sorted(manifest["names"]) != sorted(first["names"]):
            raise ConfigError(f"{folder} and {first_folder} were given different submissions; run every shard "
                              f"on the same list.")
    by_k: dict[int, Path] = {}
    for folder, manifest in shards:
        if manifest["shard"] in by_k:
            raise ConfigError(f"shard {manifest['shard']}/{first['of']} is given twice ({by_k[manifest['shard']]} "
                              f"and {folder}); pass each shard's folder once.")
        by_k[manifest["shard"]] = folder
    count = first["of"]
    missing = [f"{k}/{count}" for k in range(1, count + 1) if k not in by_k]
    if missing:
        raise ConfigError(f"shard {', '.join(missing)} is missing; pass the --out folder of every shard (or run "
                          f"the missing ones).")
    assignment = course.assignment(first["assignment"])
    results, marks = {}, {}
    for folder, manifest in shards:
        for name in manifest["mine"]:
            stored = store.load(assignment, folder / name)
            if stored is None or stored[0].get("inputs") != first["inputs"]:
                raise ConfigError(f"{folder / name} holds no finished result; rerun shard {manifest['shard']}/"
                                  f"{first['of']} (it grades only what is missing).")
            marks[name], results[name] = stored
    order = next(m for _, m in shards if m["shard"] == 1)["names"]  # the batch's order: shard 1's arguments
    return assignment, [results[n] for n in order], [marks[n] for n in order]


def merge(sink, results: list[Result], marks: list[dict]) -> None:
    """Write the merged results through `sink` (autograder.grade.FolderSink or autograder.course.CourseSink)."""
    for result, mark in zip(results, marks, strict=True):
        sink.annotate(result)
        store.write(result, sink.folder(result.submission), mark)
        sink.written(result)
    sink.flush(results)
