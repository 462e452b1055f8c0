"""Grading a batch: each submission by its own judge (autograder.judge); student code runs only in workers
(autograder.worker).

    grader (this process, torch imported once)
      |- zygote        (forked first: clean, forks one worker per submission)
      `- judge server  (forked next: hidden suite collected and reference results computed once)
           `- judge, one per submission: talks over a socket to its worker (the submission's files only)

Each result is written (autograder.store: atomically) the moment its judge reports, and the sink's batch
files (grades.csv; the course's gradebook and exports) are brought up to date as the batch goes, so a batch
stopped by SIGINT, SIGTERM or kill -9 keeps every finished result. Rerunning the same command grades only
what is missing or changed (autograder.fingerprint), `--force` everything, `--only NAME...` those.
"""
from __future__ import annotations

import dataclasses
import json
import multiprocessing.connection
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from autograder import diagnosis, fingerprint, intake, report, sandbox, shard, store
from autograder.config import Assignment, ConfigError
from autograder.progress import BatchProgress
from autograder.report import Result

TICK_SECONDS = 1.0


@dataclass
class Summary:
    """What one batch did."""
    total: int = 0  # submissions of this batch (of this shard)
    graded: int = 0
    skipped: int = 0  # up to date: results from the same submission and grader inputs were kept
    failed: int = 0  # graded, but grading itself failed (see their feedback)
    left: int = 0  # neither graded nor on disk: not in --only
    reference_seconds: float = 0.0  # the reference's arithmetic, computed once for the batch
    reference_pass_seconds: float = 0.0  # the reference pass through the whole suite, pytest included
    diagnosis_seconds: float = 0.0  # the catalogue's entries on the suite's calls (autograder.diagnosis), once


class Interrupted(Exception):
    """The batch was stopped by a signal; every submission graded before it has its results on disk."""

    def __init__(self, signum: int, summary: Summary):
        super().__init__(signal.Signals(signum).name)
        self.signum, self.summary = signum, summary


class FolderSink:
    """OUT/NAME/results.json, feedback.txt and the record; OUT/grades.csv."""
    interval = 1.0  # seconds between rewrites of grades.csv

    def __init__(self, out: Path):
        self.out = out

    def folder(self, name: str) -> Path:
        return self.out / name

    def annotate(self, result: Result) -> None:
        """Set what grading does not know (a course sink: the submission time and late penalty)."""

    def written(self, result: Result) -> None:
        pass

    def flush(self, results: list[Result]) -> None:
        store.write_csv(results, self.out / "grades.csv")


def _result(assignment: Assignment, name: str, payload: bytes | None, exitcode: int | None, log: Path) -> Result:
    if payload is None:
        tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        return Result(assignment, name, tests=report.score_outcomes(assignment, []),
                      error=f"the judge process ended with status {exitcode} before reporting (an autograder bug)"
                            f"\n{tail}")
    data = json.loads(payload)
    result = Result(assignment, name, tests=report.score_outcomes(assignment, data["outcomes"]),
                    problems=data["problems"], seconds=data["seconds"], max_rss_kb=data["max_rss_kb"])
    if data["collection_errors"]:
        result.error = "the hidden suite could not be collected: " + "\n".join(data["collection_errors"])[:3000]
    return result


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        print(message, file=sys.stderr)


def check_layout(assignment: Assignment) -> None:
    for folder, hint in [(assignment.solution_dir, "the instructor source"),
                         (assignment.hidden_dir, "the hidden tests")]:
        if not folder.is_dir():
            raise ConfigError(f"{folder} does not exist; it should hold {hint} of '{assignment.name}'.")


def _check_sources(sources: list[Path], names: list[str], only: list[str] | None) -> None:
    seen = set()
    for source, name in zip(sources, names, strict=True):
        if not source.exists():
            raise ConfigError(f"submission {source} does not exist; pass folders or .zip files.")
        if name in seen:
            raise ConfigError(f"two submissions are named '{name}'; results would overwrite each other, "
                              f"rename one.")
        seen.add(name)
    unknown = sorted(set(only or ()) - seen)
    if unknown:
        raise ConfigError(f"--only names {', '.join(unknown)}, which is not among the submissions of this batch; "
                          f"give the names results are filed under (a folder's or zip's base name).")


def _warn_about_sandbox(assignment: Assignment, folders: list[Path]) -> str:
    """The sandbox tier workers will enter ('namespaces', 'uid'; '' for none), said once on stderr when weaker."""
    sandboxed, why_not = sandbox.choose()
    if not sandboxed:
        _warn_once(f"autograder: workers are NOT sandboxed: {why_not}. Student code still runs in separate "
                   f"processes with time and memory limits, but can read and write what this user can and "
                   f"reach the network; grade untrusted submissions as root on Linux or in a VM.")
    elif sandboxed == "uid":
        _warn_once(f"autograder: sandbox tier 'uid' (new namespaces are refused here, as in a default Docker "
                   f"container): {sandbox.uid_tier_note()}.")
        sandbox.close_folders(assignment.root, folders)
    if sandboxed and not sandbox.can_confine():
        _warn_once("autograder: no writable cgroup tree: each worker process has its own memory limit, but the "
                   "processes a submission starts are not capped together.")
    return sandboxed


class _Signals:
    """SIGINT and SIGTERM raise Interrupted in the grader (once); its children ignore SIGINT."""

    def __init__(self, summary: Summary):
        self.summary, self.saved, self.fired = summary, {}, False

    def _handler(self, signum, frame):
        if not self.fired:
            self.fired = True
            raise Interrupted(signum, self.summary)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.saved = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
        return self

    def armed(self) -> None:
        """After the children are forked (they keep SIGINT and SIGTERM ignored until they set their own)."""
        for s in self.saved:
            signal.signal(s, self._handler)

    def __exit__(self, *exc):
        for s, handler in self.saved.items():
            signal.signal(s, handler)


def grade(assignment: Assignment, sources: list[Path], out: Path | None, jobs: int,
          names: list[str] | None = None, *, sink=None, force: bool = False, only: list[str] | None = None,
          shard_of: tuple[int, int] | None = None, summary: Summary | None = None,
          progress: bool = False, first_failure: bool = False) -> list[Result]:
    """Grade each submission (folder or .zip) and, when `out` (or a sink) is given, write its reports there.

    Returns the results of this batch in the order of `sources`: those graded now and, with a sink, those
    kept from an earlier run. `shard_of=(K, N)` grades the K-th of N deterministic shares (autograder.shard).
    `first_failure` stops each submission's suite at its first failed test (all that mutation testing needs to
    know); the tests not run score 0.
    """
    check_layout(assignment)
    diagnosis.entries(assignment)  # a malformed catalogue.toml is the instructor's to fix before grading
    names = names or [intake.submission_name(s) for s in sources]
    _check_sources(sources, names, only)
    summary = summary if summary is not None else Summary()
    sink = sink or (FolderSink(out) if out is not None else None)
    chosen = shard.select(names, *shard_of) if shard_of else list(range(len(names)))
    summary.total = len(chosen)
    inputs = fingerprint.inputs(assignment) if sink else ""
    if sink and shard_of:
        if not isinstance(sink, FolderSink):
            raise ConfigError("--shard writes to its own folder: give --out DIR (then autograder merge).")
        shard.write_manifest(sink.out, assignment, inputs, names, chosen, shard_of)
    results: dict[str, Result] = {}
    todo = []  # (index, fingerprint) of the first submission of each content
    twins: dict[int, list[tuple[int, dict]]] = {}  # that index -> the others with the same bytes
    first: dict[str, int] = {}
    for index in chosen:
        name = names[index]
        marks = {"inputs": inputs, "submission": fingerprint.submission(sources[index], assignment.files)} \
            if sink else {}
        stored = store.load(assignment, sink.folder(name)) if sink else None
        wanted = name in only if only else force or stored is None or stored[0] != marks
        if wanted and marks and marks["submission"] in first:  # the same files: graded once, filed under each
            twins[first[marks["submission"]]].append((index, marks))
        elif wanted:
            todo.append((index, marks))
            twins[index] = []
            if marks:
                first[marks["submission"]] = index
        elif stored:
            results[name] = stored[1]
            sink.annotate(results[name])
            summary.skipped += 1
        else:
            summary.left += 1
    _run(assignment, sources, names, todo, twins, jobs, sink, results, summary, progress, first_failure)
    return [results[name] for name in names if name in results]


def _run(assignment, sources, names, todo, twins, jobs, sink, results, summary, progress, first_failure) -> None:
    """Grade `todo` with at most `jobs` judges at once, writing each result (and its twins') as it comes."""
    def ordered() -> list[Result]:
        return [results[n] for n in names if n in results]

    total = len(todo) + sum(map(len, twins.values()))
    bar = BatchProgress(total, summary.skipped, assignment.name, clock=time.monotonic) if progress else None
    last_flush = time.monotonic()
    if sink and not todo and results:
        sink.flush(ordered())
    if not todo:
        return
    from autograder.judge import Server
    from autograder.worker import Zygote  # imports torch, once for the zygote, the server and every judge

    outputs = [sink.out] if isinstance(sink, FolderSink) else []
    sandboxed = _warn_about_sandbox(assignment, outputs + list(sources))
    sys.stdout.flush()
    sys.stderr.flush()
    with _Signals(summary) as signals, tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        if sandboxed == "uid":  # a worker must reach its own scratch folder, and list nothing on the way
            os.chmod(tmp, 0o711)
        zygote = server = None
        try:
            zygote = Zygote(tmp)
            server = Server(assignment, zygote.address, sandboxed, Path(tmp), first_failure)
            signals.armed()
            queue, running = deque(todo), {}  # index -> (fingerprint, folder)
            while queue or running:
                while queue and len(running) < max(1, jobs):
                    index, marks = queue.popleft()
                    folder = Path(tmp) / f"s{index}"
                    folder.mkdir(mode=0o711)
                    server.submit(index, sources[index].resolve(), folder)
                    running[index] = (marks, folder)
                ready = multiprocessing.connection.wait([server.conn, server.process.sentinel], TICK_SECONDS)
                if server.conn in ready:
                    try:
                        message = server.conn.recv()
                    except EOFError:
                        message = ("failed", "the judge server ended")
                elif ready:
                    message = ("failed", f"the judge server ended with status {server.process.exitcode}")
                else:
                    message = None
                if message is None:
                    pass
                elif message[0] == "ready":
                    summary.reference_seconds = message[1]["reference_seconds"]
                    summary.reference_pass_seconds = message[1]["pass_seconds"]
                    summary.diagnosis_seconds = message[1]["diagnosis_seconds"]
                elif message[0] == "failed":
                    raise RuntimeError(f"{message[1]} (an autograder bug; see {tmp}/server.log)")
                else:
                    _, index, payload, exitcode = message
                    marks, folder = running.pop(index)
                    name = names[index]
                    result = _result(assignment, name, payload, exitcode, folder / "judge.log")
                    shutil.rmtree(folder, ignore_errors=True)
                    broken = bool(result.error or result.grader_errors)
                    for twin, twin_marks in [(index, marks), *twins[index]]:
                        mine = result if twin == index else dataclasses.replace(
                            result, submission=names[twin], tests=list(result.tests), problems=list(result.problems))
                        with store.signals_held():  # a signal waits until this result is on disk and counted
                            if sink:
                                sink.annotate(mine)
                                store.write(mine, sink.folder(names[twin]), twin_marks)
                                sink.written(mine)
                            results[names[twin]] = mine
                            summary.graded += 1
                            summary.failed += broken
                        if bar:
                            bar.advance(broken)
                if bar:
                    bar.tick()
                if sink and time.monotonic() - last_flush >= sink.interval:
                    sink.flush(ordered())
                    last_flush = time.monotonic()
        finally:
            signals.fired = True  # a second signal does not interrupt the cleanup
            if server:
                server.kill()
            if zygote:
                zygote.process.kill()
                zygote.close()
            if bar:
                bar.close()
            if sink and results:
                sink.flush(ordered())
