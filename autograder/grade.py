"""Grading: one judge process per submission runs the hidden pytest suite with a trusted
configuration; student code runs only in workers (autograder.worker).

    grader (this process, torch imported once)
      |- zygote  (forked first: clean, forks one worker per submission)
      |- judge   (forked per submission: pytest on hidden/NAME, reference solution, comparisons)
           `- talks over a socket to its worker (forked by the zygote: the submission's files only)

A judge sends its outcomes back as JSON through a pipe that no worker holds.
"""
from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from autograder import forbidden, intake, report, sandbox
from autograder.config import Assignment, ConfigError
from autograder.report import Result

PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")


def _judge(assignment: Assignment, source: Path, folder: Path, zygote_address: str, sandboxed: bool,
           conn, first_failure: bool = False) -> None:
    """Body of a judge process: take the submission in, run the hidden suite, send outcomes."""
    import pytest
    import torch

    from autograder.harness import JudgePlugin, Submission

    log = os.open(folder / "judge.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    for name in PYTEST_ENV:
        os.environ.pop(name, None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    torch.set_num_threads(1)
    started = time.monotonic()
    scratch = folder / "files"
    unavailable = intake.take_in(source, assignment.files, scratch)
    reports = {}
    for file in assignment.files:
        path = scratch / file
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            reports[Path(file).stem] = forbidden.scan(text, file, assignment.forbidden.get(file, ()))
    submission = Submission(assignment, scratch, zygote_address, unavailable, sandboxed=sandboxed,
                            reports=reports)
    plugin = JudgePlugin(submission)
    ini = folder / "pytest.ini"
    ini.write_text("[pytest]\n")
    limits = assignment.limits
    try:
        pytest.main([
            str(assignment.hidden_dir), "-c", str(ini), "--rootdir", str(assignment.hidden_dir),
            "-p", "no:cacheprovider", "-p", "pytest_timeout", f"--timeout={limits.test_timeout_s:g}",
            "-q", "--tb=native", "-W", "ignore::DeprecationWarning",
            "--ignore-glob=*/catalogue/*", *(["-x"] if first_failure else []),
        ], plugins=[plugin])
    finally:
        submission.close()
    message = {
        "outcomes": [asdict(o) for o in plugin.outcomes],
        "collection_errors": plugin.collection_errors,
        "problems": sorted(set(unavailable.values())),
        "seconds": time.monotonic() - started,
        "max_rss_kb": submission.max_rss_kb,
    }
    conn.send_bytes(json.dumps(message).encode())
    conn.close()


def _result(assignment: Assignment, name: str, payload: bytes | None, exitcode: int | None, log: Path) -> Result:
    if payload is None:
        tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        return Result(assignment, name, tests=report.score_outcomes(assignment, []),
                      error=f"the judge process ended with status {exitcode} before reporting (an autograder bug; "
                            f"log: {log})\n{tail}")
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


def grade(assignment: Assignment, sources: list[Path], out: Path | None, jobs: int,
          names: list[str] | None = None, first_failure: bool = False) -> list[Result]:
    """Grade each submission (folder or .zip) and, when `out` is given, write its reports there.

    first_failure: stop each submission's suite at its first failed test (all that mutation testing needs
    to know); the tests not run score 0.
    """
    from autograder.worker import Zygote  # imports torch, once for the zygote and every judge

    check_layout(assignment)
    names = names or [intake.submission_name(s) for s in sources]
    seen = set()
    for source, name in zip(sources, names, strict=True):
        if not source.exists():
            raise ConfigError(f"submission {source} does not exist; pass folders or .zip files.")
        if name in seen:
            raise ConfigError(f"two submissions are named '{name}'; results would overwrite each other, "
                              f"rename one.")
        seen.add(name)
    sandboxed, why_not = sandbox.available()
    if not sandboxed:
        _warn_once(f"autograder: workers are NOT sandboxed: {why_not}. Student code still runs in separate "
                   f"processes with time and memory limits, but can read and write what this user can and "
                   f"reach the network; grade untrusted submissions as root on Linux or in a VM.")
    elif not sandbox.can_confine():
        _warn_once("autograder: no writable cgroup tree: each worker process has its own memory limit, but the "
                   "processes a submission starts are not capped together.")
    sys.stdout.flush()
    sys.stderr.flush()
    context = multiprocessing.get_context("fork")
    results: dict[str, Result] = {}
    with tempfile.TemporaryDirectory(prefix="autograder-") as tmp:
        zygote = Zygote(tmp)
        import pytest_timeout  # noqa: F401 - after the zygote's fork, before the judges': imported once

        from autograder import harness  # noqa: F401
        try:
            queue = list(zip(sources, names, strict=True))
            running = {}  # sentinel -> (process, conn, name, folder, chunks)
            while queue or running:
                while queue and len(running) < max(1, jobs):
                    source, name = queue.pop(0)
                    folder = Path(tmp) / f"s{len(results) + len(running)}"
                    folder.mkdir()
                    receiver, sender = context.Pipe(duplex=False)
                    process = context.Process(target=_judge, name=f"judge-{name}",
                                              args=(assignment, source.resolve(), folder, zygote.address,
                                                    sandboxed, sender, first_failure))
                    process.start()
                    sender.close()
                    running[process.sentinel] = (process, receiver, name, folder, [])
                ready = multiprocessing.connection.wait(
                    [w for s, (p, c, *_) in running.items() for w in (s, c) if not c.closed])
                for sentinel, (process, conn, name, folder, chunks) in list(running.items()):
                    if conn in ready and not conn.closed:
                        try:
                            chunks.append(conn.recv_bytes())
                        except EOFError:
                            conn.close()
                    if sentinel in ready or conn.closed:
                        process.join()
                        if not conn.closed:
                            while conn.poll():
                                try:
                                    chunks.append(conn.recv_bytes())
                                except EOFError:
                                    break
                            conn.close()
                        results[name] = _result(assignment, name, chunks[0] if chunks else None,
                                                process.exitcode, folder / "judge.log")
                        del running[sentinel]
        finally:
            zygote.close()
    ordered = [results[name] for name in names]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for result in ordered:
            report.write(result, out)
        report.write_csv(ordered, out / "grades.csv")
    return ordered
