"""A batch at course scale, through the real command in its own process: killed midway (SIGTERM, SIGKILL) it
keeps every finished result intact and leaves no process behind; rerun, it grades only the rest and ends
equal to an uninterrupted run; shards graded in parallel processes and merged equal one run."""
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from helpers import ROOT, SUBMISSIONS

from autograder.cli import main

EXAMPLES = SUBMISSIONS / "convolution" / "examples"
KINDS = [EXAMPLES / "correct", EXAMPLES / "buggy", ROOT / "assignments" / "convolution"]
COUNT = 10
TAG = "AUTOGRADER_TEST_BATCH"


def _command(sources, out, *extra):
    return [sys.executable, "-m", "autograder.cli", "--config", str(ROOT / "grading.toml"), "grade", "convolution",
            *map(str, sources), "--out", str(out), "--jobs", "2", *extra]


def _start(command, tag, log):
    return subprocess.Popen(command, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=ROOT,
                            env={**os.environ, TAG: tag})


def _tagged(tag) -> list[int]:
    """Processes still running with this test's tag in their environment."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"{TAG}={tag}".encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def _results(out) -> dict[str, dict]:
    """results.json of every finished submission, without its timing."""
    found = {}
    for record in sorted(out.glob("*/grading.json")):
        data = json.loads((record.parent / "results.json").read_text())
        data.pop("execution_time")
        found[record.parent.name] = data
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    sources = []
    for i in range(COUNT):
        target = tmp / "submissions" / f"sub{i:02d}"
        shutil.copytree(KINDS[i % len(KINDS)], target, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
        sources.append(target)
    return tmp, sources


@pytest.fixture(scope="module")
def uninterrupted(batch):
    tmp, sources = batch
    out = tmp / "uninterrupted"
    log = tmp / "uninterrupted.log"
    assert _start(_command(sources, out), uuid.uuid4().hex, log).wait(timeout=600) == 0, log.read_text()
    return out, log.read_text()


def test_an_uninterrupted_run_shows_progress_in_a_log(uninterrupted):
    out, log = uninterrupted
    assert len(_results(out)) == COUNT
    assert f"convolution: {COUNT} to grade" in log and f"convolution: {COUNT}/{COUNT} graded, 0 failed" in log
    assert f"{COUNT} graded, 0 skipped (up to date), 0 failed" in log


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_killed_batch_keeps_what_it_finished_and_resumes(batch, uninterrupted, signum, tmp_path):
    _, sources = batch
    reference, _ = uninterrupted
    out, tag, log = tmp_path / "out", uuid.uuid4().hex, tmp_path / "grade.log"
    grader = _start(_command(sources, out), tag, log)
    deadline = time.monotonic() + 600
    while len(list(out.glob("*/grading.json"))) < 2 and grader.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert grader.poll() is None, f"the batch ended before it could be killed:\n{log.read_text()}"
    os.kill(grader.pid, signum)
    killed = time.monotonic()
    code = grader.wait(timeout=60)
    stopped = time.monotonic() - killed
    text = log.read_text()

    finished = _results(out)
    assert 2 <= len(finished) < COUNT, (sorted(finished), text)
    expected = {name: _results(reference)[name] for name in finished}
    assert finished == expected, (  # intact, and as if not killed
        [name for name in finished if finished[name] != expected[name]], text)
    for path in out.rglob("*"):
        assert not path.name.endswith(".tmp"), f"half-written file left: {path}"
        if path.suffix == ".json":
            json.loads(path.read_text())
    rows = list(csv.DictReader((out / "grades.csv").open())) if (out / "grades.csv").exists() else []
    assert {row["submission"] for row in rows} <= set(finished), (rows, sorted(finished), text)
    if signum == signal.SIGTERM:
        assert code == -signum and stopped < 5, (code, stopped, text)
        assert f"interrupted by SIGTERM: {len(finished)} of {COUNT} submissions graded" in text, text
        # grades.csv brought up to date:
        assert {row["submission"] for row in rows} == set(finished), (rows, sorted(finished), text)
    assert code == -signum, (code, text)
    deadline = time.monotonic() + 10
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _tagged(tag) == [], "judges, workers or the zygote survived the grader"

    resumed = subprocess.run(_command(sources, out), capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"{COUNT - len(finished)} graded, {len(finished)} skipped (up to date), 0 failed" in resumed.stdout
    assert _results(out) == _results(reference)
    assert (out / "grades.csv").read_bytes() == (reference / "grades.csv").read_bytes()


def test_shards_in_parallel_merge_into_one_run(batch, uninterrupted, tmp_path, capsys):
    _, sources = batch
    reference, _ = uninterrupted
    shards = [tmp_path / f"shard{k}" for k in (1, 2, 3)]
    running = [_start(_command(list(reversed(sources)) if k == 2 else sources, shard, "--shard", f"{k}/3"),
                      uuid.uuid4().hex, tmp_path / f"shard{k}.log") for k, shard in enumerate(shards, 1)]
    assert [p.wait(timeout=600) for p in running] == [0, 0, 0]
    mine = [set(_results(shard)) for shard in shards]
    assert sorted(n for names in mine for n in names) == sorted(s.name for s in sources)  # a partition
    assert all(3 <= len(names) <= 4 for names in mine)

    config = ["--config", str(ROOT / "grading.toml")]
    assert main([*config, "merge", *map(str, shards[:2]), "--out", str(tmp_path / "bad")]) == 2
    assert "shard 3/3 is missing" in capsys.readouterr().err
    assert main([*config, "merge", *map(str, shards), str(shards[0]), "--out", str(tmp_path / "bad")]) == 2
    assert "shard 1/3 is given twice" in capsys.readouterr().err

    merged = tmp_path / "merged"
    assert main([*config, "merge", *map(str, reversed(shards)), "--out", str(merged)]) == 0
    assert _results(merged) == _results(reference)
    assert (merged / "grades.csv").read_bytes() == (reference / "grades.csv").read_bytes()
    for name in _results(reference):
        assert (merged / name / "feedback.txt").read_text() == (reference / name / "feedback.txt").read_text()


def test_resume_regrades_what_changed_and_only_and_force_override(batch, tmp_path, capsys):
    _, sources = batch
    small = [shutil.copytree(s, tmp_path / s.name) for s in sources[:2]]
    out = tmp_path / "out"
    config = ["--config", str(ROOT / "grading.toml"), "grade", "convolution", *map(str, small), "--out", str(out)]

    def run(*extra):
        assert main([*config, "--jobs", "2", *extra]) == 0
        return capsys.readouterr().out

    assert "2 graded, 0 skipped" in run()
    assert "0 graded, 2 skipped" in run()
    conv = small[1] / "conv.py"
    conv.write_text(conv.read_text() + "\n# changed after grading\n")
    assert "1 graded, 1 skipped" in run()
    before = (out / "sub00" / "grading.json").stat().st_mtime_ns
    assert "1 graded, 1 skipped" in run("--only", "sub00")
    assert (out / "sub00" / "grading.json").stat().st_mtime_ns != before
    assert "2 graded, 0 skipped" in run("--force")
    assert main([*config, "--only", "nobody"]) == 2
    assert "--only names nobody" in capsys.readouterr().err


def test_a_signal_during_a_write_waits_for_the_file(tmp_path):
    """SIGTERM while a result file is being written: the handler runs once the file is whole (no half-written
    file, no temporary left behind, whatever instant the signal comes)."""
    from autograder import store

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(KeyboardInterrupt):
            with store.replacing(tmp_path / "results.json") as stream:
                stream.write("{")
                os.kill(os.getpid(), signal.SIGTERM)
                stream.write("}")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    assert (tmp_path / "results.json").read_text() == "{}"


def test_a_signal_as_a_result_is_written_still_counts_it(batch, convolution, tmp_path):
    """SIGTERM the moment a result's files are on disk (here: from the sink, as it files the first one): the
    batch stops only after counting it, so its summary and grades.csv hold every result on disk."""
    from autograder.grade import FolderSink, Interrupted, grade

    class StopAtFirst(FolderSink):
        def written(self, result):
            os.kill(os.getpid(), signal.SIGTERM)

    _, sources = batch
    out = tmp_path / "out"
    with pytest.raises(Interrupted) as stop:
        grade(convolution, sources[:3], out, 1, sink=StopAtFirst(out))
    on_disk = sorted(record.parent.name for record in out.glob("*/grading.json"))
    rows = sorted(row["submission"] for row in csv.DictReader((out / "grades.csv").open()))
    assert on_disk == ["sub00"] and stop.value.summary.graded == 1 and rows == on_disk, \
        (on_disk, stop.value.summary, rows)
