"""Judges: the processes that run the hidden suite and score, one per submission, forked from one server.

    grader
      `- judge server (forked once per batch): pytest collects hidden/NAME, imports the reference, then
         runs every test once with the reference on both sides: the reference side of every scenario is
         computed once for the whole batch, not once per submission
           `- judge, one per submission (forked from the server): the collected suite and the reference
              results come with the fork; it runs every test against its worker and sends its outcomes

The server talks to the grader over a pipe: ("grade", index, source, folder) in, ("ready", info) once and
("done", index, payload, exit status) per submission out. It never runs student code; neither do judges.
"""
from __future__ import annotations

import json
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from autograder import diagnosis, forbidden, intake
from autograder.config import Assignment

PYTEST_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS")


def _run_items(session, plugin=None) -> None:
    """Run the collected tests; with `plugin`, stop at the first failed one (the rest are not run: they score 0)."""
    items = session.items
    for i, item in enumerate(items):
        item.config.hook.pytest_runtest_protocol(item=item, nextitem=items[i + 1] if i + 1 < len(items) else None)
        if plugin is not None and plugin.outcomes and not plugin.outcomes[-1].passed:
            break


def _redirect(log: Path) -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


class _Serve:
    """The server's pytest plugin: its run loop is the reference pass, then one fork per submission."""

    def __init__(self, plugin, conn, zygote_address: str, sandboxed: str, first_failure: bool):
        self.plugin, self.conn, self.zygote_address, self.sandboxed = plugin, conn, zygote_address, sandboxed
        self.first_failure = first_failure

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session):
        from autograder.harness import Submission

        runnable = not session.testsfailed  # as pytest: a suite that does not collect runs nothing
        reference = self.plugin.submission
        started = time.monotonic()
        if runnable:
            _run_items(session)
        pass_seconds = time.monotonic() - started
        catalogue = diagnosis.Catalogue(reference.assignment, self.plugin.reference_modules())
        if runnable and not self.first_failure:  # mutation testing reads only whether a mutant passes
            catalogue.compute(reference.calls)
            diagnosis.log_problems(catalogue)
        self.conn.send(("ready", {"reference_seconds": reference.reference_seconds, "pass_seconds": pass_seconds,
                                  "tests": len(session.items), "diagnosis_seconds": catalogue.seconds}))
        children = {}  # read end of a judge's pipe -> (pid, index)
        while True:
            for ready in multiprocessing.connection.wait([self.conn, *children]):
                if ready is self.conn:
                    try:
                        _, index, source, folder = self.conn.recv()
                    except EOFError:
                        for pid, _ in children.values():
                            os.kill(pid, signal.SIGKILL)
                        os._exit(0)
                    receiver, sender = multiprocessing.Pipe(duplex=False)
                    pid = os.fork()
                    if pid == 0:
                        try:
                            self.conn.close()
                            for other in children:
                                other.close()
                            receiver.close()
                            submission = Submission(self.plugin.submission.assignment, Path(folder) / "files",
                                                    self.zygote_address, {}, sandboxed=self.sandboxed,
                                                    references=reference.references)
                            sender.send_bytes(_judge(self.plugin, session, submission, Path(source),
                                                     Path(folder), runnable, self.first_failure, catalogue))
                        finally:
                            os._exit(0)
                    sender.close()
                    children[receiver] = (pid, index)
                else:
                    pid, index = children.pop(ready)
                    try:
                        payload = ready.recv_bytes()
                    except EOFError:
                        payload = None
                    ready.close()
                    _, status = os.waitpid(pid, 0)
                    self.conn.send(("done", index, payload, os.waitstatus_to_exitcode(status)))


def _judge(plugin, session, submission, source: Path, folder: Path, runnable: bool, first_failure: bool,
           catalogue: diagnosis.Catalogue) -> bytes:
    """Body of a judge process: take the submission in, run the collected suite on it, return outcomes."""
    from autograder.worker import _die_with_parent

    _die_with_parent()
    _redirect(folder / "judge.log")
    started = time.monotonic()
    assignment = submission.assignment
    unavailable = intake.take_in(source, assignment.files, submission.scratch)
    submission.unavailable = unavailable
    for file in assignment.files:
        path = submission.scratch / file
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            submission.reports[Path(file).stem] = forbidden.scan(text, file, assignment.forbidden.get(file, ()))
    plugin.submission = submission
    plugin.outcomes = []
    plugin.heatmaps = {}
    try:
        if runnable:
            _run_items(session, plugin if first_failure else None)
    finally:
        submission.close()
    for part, found in diagnosis.diagnose(assignment, catalogue, plugin.outcomes, submission.answers).items():
        for outcome in plugin.outcomes:
            if outcome.part == part and not outcome.passed:
                outcome.diagnosis = found
    sys.stdout.flush()
    return json.dumps({
        "outcomes": [asdict(o) for o in plugin.outcomes],
        "collection_errors": plugin.collection_errors,
        "problems": sorted(set(unavailable.values())),
        "seconds": time.monotonic() - started,
        "max_rss_kb": submission.max_rss_kb,
    }).encode()


def _server_main(assignment: Assignment, zygote_address: str, sandboxed: str, folder: Path, conn,
                 first_failure: bool) -> None:
    import torch

    from autograder.harness import JudgePlugin, Submission
    from autograder.worker import _die_with_parent

    os.setpgid(0, 0)  # the grader ends the server and every judge with one killpg
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the grader's to handle
    _redirect(folder / "server.log")
    for name in PYTEST_ENV:
        os.environ.pop(name, None)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    torch.set_num_threads(1)
    reference = Submission(assignment, folder, zygote_address, {}, reference_only=True)
    plugin = JudgePlugin(reference)
    ini = folder / "pytest.ini"
    ini.write_text("[pytest]\n")
    limits = assignment.limits
    pytest.main([
        str(assignment.hidden_dir), "-c", str(ini), "--rootdir", str(assignment.hidden_dir),
        "-p", "no:cacheprovider", "-p", "pytest_timeout", f"--timeout={limits.test_timeout_s:g}",
        "-q", "--tb=native", "-W", "ignore::DeprecationWarning",
        "--ignore-glob=*/catalogue/*",
    ], plugins=[plugin, _Serve(plugin, conn, zygote_address, sandboxed, first_failure)])
    conn.send(("failed", "the judge server's pytest session ended"))


class Server:
    """The grader's handle on the judge server."""

    def __init__(self, assignment: Assignment, zygote_address: str, sandboxed: str, folder: Path,
                 first_failure: bool = False):
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_server_main, args=(assignment, zygote_address, sandboxed, folder, child, first_failure),
            name="autograder-judges", daemon=True)
        self.process.start()
        try:
            os.setpgid(self.process.pid, self.process.pid)  # also done by the server: whichever comes first
        except (PermissionError, ProcessLookupError):
            pass
        child.close()
        self.info: dict = {}

    def submit(self, index: int, source: Path, folder: Path) -> None:
        self.conn.send(("grade", index, str(source), str(folder)))

    def kill(self) -> None:
        """End the server and every judge at once."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.kill()
        self.process.join()
        self.conn.close()
