"""Progress of a batch: plain lines in a log (never more than PLAIN_SECONDS apart while grading), a rich bar
on a terminal."""
import io

from autograder import progress


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_plain_lines_are_never_far_apart():
    clock, stream = Clock(), io.StringIO()
    bar = progress.BatchProgress(4, 2, "convolution", stream=stream, clock=clock)
    assert stream.getvalue() == "convolution: 4 to grade, 2 up to date (skipped)\n"
    printed = [0.0]
    for second in range(1, 61):  # one slow submission, then three quick ones
        clock.now = float(second)
        before = stream.getvalue().count("\n")
        if second >= 57:
            bar.advance(failed=second == 59)
        bar.tick()
        if stream.getvalue().count("\n") > before:
            printed.append(clock.now)
    gaps = [b - a for a, b in zip(printed, printed[1:], strict=False)]
    assert max(gaps) <= progress.PLAIN_SECONDS + 1 < 10
    assert "(still grading)" in stream.getvalue()
    last = stream.getvalue().splitlines()[-1]
    assert last.startswith("convolution: 4/4 graded, 1 failed") and "ETA" not in last


def test_plain_lines_every_n_submissions():
    clock, stream = Clock(), io.StringIO()
    bar = progress.BatchProgress(60, 0, "lstm", stream=stream, clock=clock)
    for i in range(60):
        clock.now = i * 0.01
        bar.advance(failed=False)
    lines = stream.getvalue().splitlines()[1:]
    assert [line.split()[1] for line in lines] == [f"{n}/60" for n in (progress.EVERY, 2 * progress.EVERY, 60)]


def test_a_terminal_gets_a_bar():
    stream = Terminal()
    bar = progress.BatchProgress(3, 0, "convolution", stream=stream)
    for failed in (False, True, False):
        bar.advance(failed)
    bar.close()
    text = stream.getvalue()
    assert "3/3" in text and "1 failed" in text and "━" in text and "to grade" not in text
