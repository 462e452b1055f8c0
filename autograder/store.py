"""Results on disk, written so that a batch killed at any moment loses nothing finished.

Each graded submission's folder holds feedback.txt, feedback.html, results.json (Gradescope's schema) and, written
last, `grading.json`: the kit's own record of the result (every test with its part and full message)
and the fingerprint of what it was graded from. A folder counts as graded only when its record is
there, and every file is written to a temporary name and renamed, so a kill -9 leaves either the
previous file or the new one, never half of one.
"""
from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path

from autograder import feedback_page, report
from autograder.config import Assignment
from autograder.report import Result, TestResult

RECORD = "grading.json"
HELD = (signal.SIGINT, signal.SIGTERM)  # what signals_held() holds


@contextlib.contextmanager
def signals_held():
    """SIGINT and SIGTERM wait until the block ends, then reach the handler they would have reached.

    Python's handlers run in the main thread whichever thread the OS hands a signal to (torch's pools
    are threads too, so blocking the signal in one thread holds nothing): the handlers are swapped for a
    recorder instead. Nested blocks hand a signal outwards; outside the main thread this holds nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in HELD}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)  # the restored handler runs here, in this thread


@contextlib.contextmanager
def replacing(path: Path):
    """A text stream that replaces `path` when the block ends without an error (temporary file + rename).

    SIGINT and SIGTERM wait until the file is replaced or removed: the grader's handler raises, and a raise
    between creating the temporary file and guarding it would leave it behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with signals_held():
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", newline="") as stream:
                yield stream
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def write_atomic(path: Path, text: str) -> None:
    with replacing(path) as stream:
        stream.write(text)


def record(result: Result, fingerprint: str) -> dict:
    """The kit's record of one result: enough to rebuild the Result without grading again."""
    return {"submission": result.submission, "fingerprint": fingerprint,
            "tests": [asdict(t) for t in result.tests], "problems": result.problems, "error": result.error,
            "seconds": result.seconds, "max_rss_kb": result.max_rss_kb}


def write(result: Result, folder: Path, fingerprint: str) -> Path:
    """feedback.txt, feedback.html, results.json, then the record (the mark that the folder is complete)."""
    write_atomic(folder / "feedback.txt", report.feedback_text(result))
    write_atomic(folder / "feedback.html", feedback_page.render(result))
    write_atomic(folder / "results.json", json.dumps(report.gradescope(result), indent=2) + "\n")
    write_atomic(folder / RECORD, json.dumps(record(result, fingerprint), indent=1) + "\n")
    return folder


def load(assignment: Assignment, folder: Path) -> tuple[str, Result] | None:
    """(fingerprint, result) of a graded folder, or None when it holds no complete, readable record."""
    try:
        data = json.loads((folder / RECORD).read_text())
        result = Result(assignment, data["submission"], tests=[TestResult(**t) for t in data["tests"]],
                        problems=list(data["problems"]), error=data["error"], seconds=data["seconds"],
                        max_rss_kb=data["max_rss_kb"])
        fingerprint = data["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (folder / "results.json").is_file() or not (folder / "feedback.txt").is_file():
        return None
    return fingerprint, result


def write_csv(results: list[Result], path: Path) -> None:
    """grades.csv, replaced atomically."""
    with replacing(path) as stream:
        csv.writer(stream).writerows(report.csv_rows(results))
