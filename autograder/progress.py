"""Progress of a batch: a rich bar on a terminal, plain lines in CI or a pipe; never silent for long.

The plain form prints a line every EVERY submissions or after PLAIN_SECONDS, whichever comes first, and
`tick()` (called by the batch loop at least once a second) prints one when nothing finished for that long,
so a log shows the batch alive even while a slow submission is being graded.
"""
from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

PLAIN_SECONDS = 5.0
EVERY = 25


class BatchProgress:
    """Counts of one batch, shown as it goes (on stderr, so that stdout stays the results table)."""

    def __init__(self, total: int, skipped: int, label: str, stream=None, clock=time.monotonic):
        self.total, self.skipped, self.label = total, skipped, label
        self.done = self.failed = 0
        self.stream = stream or sys.stderr
        self.clock = clock
        self.started = self._last_line = clock()
        self._bar = None
        if getattr(self.stream, "isatty", lambda: False)():
            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"),
                                 TimeRemainingColumn(), TextColumn("{task.fields[failed]}"),
                                 console=Console(file=self.stream, force_terminal=True), transient=False)
            self._task = self._bar.add_task(label, total=total, rate="", failed="")
            self._bar.start()
        elif total:
            self._line(f"{label}: {total} to grade" + (f", {skipped} up to date (skipped)" if skipped else ""))

    def _rate(self) -> float:
        elapsed = self.clock() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _line(self, text: str) -> None:
        self._last_line = self.clock()
        print(text, file=self.stream, flush=True)

    def status(self) -> str:
        rate = self._rate()
        left = (self.total - self.done) / rate if rate else float("nan")
        eta = f", ETA {left:.0f} s" if rate and self.done < self.total else ""
        return (f"{self.label}: {self.done}/{self.total} graded, {self.failed} failed, {rate:.2f}/s, "
                f"{self.clock() - self.started:.0f} s{eta}")

    def advance(self, failed: bool) -> None:
        self.done += 1
        self.failed += failed
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, rate=f"{self._rate():.2f}/s",
                             failed=f"{self.failed} failed" if self.failed else "")
        elif self.done % EVERY == 0 or self.done == self.total or self.clock() - self._last_line >= PLAIN_SECONDS:
            self._line(self.status())

    def tick(self) -> None:
        """Called while waiting: a plain line when none was printed for PLAIN_SECONDS."""
        if self._bar is None and self.done < self.total and self.clock() - self._last_line >= PLAIN_SECONDS:
            self._line(self.status() + " (still grading)")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
