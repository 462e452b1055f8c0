"""Benchmark: grade a generated batch (the catalogue's mix) in one call and print wall time, CPU use, the
per-submission cost, the floor and the ratio, and the grader's peak RSS; side by side in the same run, the
same batch with the kit at an older git revision (--before) and through `nbgrader autograde` (--nbgrader).

    .venv/bin/python tests/benchmark.py [--count 200] [--jobs 2] [--before 1f8f1b8] [--nbgrader]

A script, not a timed test. The floor is the hidden suite's own arithmetic: the reference running every
scenario once (measured in the batch's reference pass) plus one student run of the same scenarios (taken
as equal to it); the ratio is the CPU-seconds per submission over the floor. CPU is measured over the whole
process tree with a cpuacct cgroup where one can be made (else the grader's children, which misses the
workers). On a shared machine, compare only figures from the same run.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from helpers import ROOT, compose  # noqa: E402

from autograder import config  # noqa: E402

CGROUP = Path("/sys/fs/cgroup/cpuacct")
HANG = "\n\ndef conv2d_forward(x, weight, bias=None, stride=1, padding=0):\n    while True:\n        pass\n"
SYNTAX_ERROR = "def conv2d_forward(x, weight:\n"


def batch(assignment: config.Assignment, count: int, tmp: Path, hang: bool) -> list[Path]:
    """`count` submissions: the catalogue's correct and wrong entries, the stubs, the reference, broken ones."""
    folder = assignment.hidden_dir / "catalogue"
    entries = tomllib.loads((folder / "catalogue.toml").read_text())
    kinds = [("reference", assignment.solution_dir, None), ("stubs", assignment.release_dir, None)]
    kinds += [(f"{kind}-{name}", folder / kind / name, "reference") for kind in ("correct", "wrong")
              for name in entries.get(kind, {})]
    sources = []
    for i in range(count):
        label, fixture, base = kinds[i % len(kinds)]
        target = tmp / f"{i:04d}-{label}"
        if base:
            compose(assignment, fixture, target, base)
        else:
            target.mkdir(parents=True)
            for file in assignment.files:
                (target / file).write_bytes((fixture / file).read_bytes())
        sources.append(target)
    first = assignment.files[0]
    for i, text in ((1, SYNTAX_ERROR), (3, None)):  # broken: a syntax error, a missing file
        if i < count:
            if text is None:
                (sources[i] / first).unlink()
            else:
                (sources[i] / first).write_text(text)
    if hang and assignment.name == "convolution" and count > 5:
        (sources[5] / "conv.py").write_text((sources[5] / "conv.py").read_text() + HANG)
    return sources


def _child(spec: dict) -> None:
    """Grade in this process (the kit found first on sys.path) and print what was measured as JSON."""
    import resource

    from autograder import grade as grading
    assignment = config.load(ROOT / "grading.toml").assignment(spec["assignment"])
    samples = []

    def sample():
        while True:
            samples.append(int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE"))
            time.sleep(0.5)
    threading.Thread(target=sample, daemon=True).start()
    sources = [Path(s) for s in spec["sources"]]
    extra = {"summary": grading.Summary()} if hasattr(grading, "Summary") else {}
    started = time.perf_counter()
    results = grading.grade(assignment, sources, None, spec["jobs"], names=[s.name for s in sources], **extra)
    wall = time.perf_counter() - started
    summary = extra.get("summary")
    tenth = samples[len(samples) // 10] if samples else 0
    print(json.dumps({
        "wall": wall, "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rss_at_10pct": tenth, "rss_end": samples[-1] if samples else 0,
        "reference_seconds": summary.reference_seconds if summary else None,
        "tests": sum(len(r.tests) for r in results), "scores": [r.score for r in results],
        "failed": sum(bool(r.error or r.grader_errors) for r in results)}))


class CpuMeter:
    """CPU-seconds of a process tree: a cpuacct cgroup (counts every descendant) or RUSAGE_CHILDREN."""

    def __init__(self):
        self.folder = CGROUP / f"autograder-benchmark-{os.getpid()}-{time.monotonic_ns()}"
        try:
            self.folder.mkdir()
        except OSError:
            self.folder = None
        self.how = "cpuacct cgroup" if self.folder else "RUSAGE_CHILDREN (misses the workers)"

    def enter(self) -> None:  # in the child, before exec
        if self.folder:
            (self.folder / "cgroup.procs").write_text(str(os.getpid()))

    def run(self, command: list[str], env: dict, cwd: Path | None = None) -> tuple[subprocess.CompletedProcess, float]:
        import resource
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(command, env=env, capture_output=True, text=True, preexec_fn=self.enter, cwd=cwd)
        if self.folder:
            cpu = int((self.folder / "cpuacct.usage").read_text()) / 1e9
            self.folder.rmdir()
        else:
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return done, cpu


def run_kit(spec: dict, kit: Path | None) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(p) for p in (kit, ROOT) if p)}
    meter = CpuMeter()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as stream:
        json.dump(spec, stream)
    started = time.perf_counter()
    done, cpu = meter.run([sys.executable, __file__, "--child", stream.name], env)
    elapsed = time.perf_counter() - started
    os.unlink(stream.name)
    if done.returncode:
        raise SystemExit(f"the grading process failed:\n{done.stderr[-3000:]}")
    data = json.loads(done.stdout.strip().splitlines()[-1])
    data.update(cpu=cpu, process_wall=elapsed, cpu_how=meter.how)
    return data


def old_kit(revision: str, tmp: Path) -> Path:
    """The autograder package as it was at `revision`, unpacked beside the checkout's hidden suites."""
    target = tmp / f"kit-{revision}"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "autograder"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def report(label: str, data: dict, count: int, cores: int) -> None:
    per = data["cpu"] / count
    line = (f"{label:28s} wall {data['wall']:7.1f} s (process {data['process_wall']:6.1f} s)  CPU {data['cpu']:7.1f} s "
            f"= {100 * data['cpu'] / data['process_wall']:4.0f} % of {100 * cores} %  per submission "
            f"{per:5.3f} CPU-s, {data['wall'] * cores / count:5.3f} core-s wall")
    if data.get("reference_seconds"):
        floor = 2 * data["reference_seconds"]
        line += f"  floor {floor:5.3f} s, ratio {per / floor:4.1f}x"
    line += (f"  grader peak RSS {data['peak_rss'] / 2**20:4.0f} MiB (at 10 %: {data['rss_at_10pct'] / 2**20:4.0f}, "
             f"end: {data['rss_end'] / 2**20:4.0f})")
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="convolution")
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--before", metavar="REV", help="also grade the batch with the kit at this git revision")
    parser.add_argument("--nbgrader", action="store_true", help="also grade it with nbgrader autograde")
    parser.add_argument("--hang", action="store_true", help="one submission's conv2d_forward loops forever")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(json.loads(Path(args.child).read_text()))
    course = config.load(ROOT / "grading.toml")
    assignment = course.assignment(args.assignment)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="benchmark-") as tmp:
        sources = batch(assignment, args.count, Path(tmp) / "batch", args.hang)
        spec = {"assignment": assignment.name, "sources": [str(s) for s in sources], "jobs": args.jobs or course.jobs}
        print(f"{args.count} {assignment.name} submissions (catalogue mix, broken ones included), jobs={spec['jobs']}, "
              f"{cores} cores; load average before: {os.getloadavg()[0]:.1f}", flush=True)
        kits = [(f"kit at {args.before}", old_kit(args.before, Path(tmp)))] if args.before else []
        kits.append(("kit (this checkout)", None))
        measured = {}
        for label, kit in kits:
            measured[label] = run_kit(spec, kit)
            report(label, measured[label], args.count, cores)
        if args.before:
            old, new = measured[kits[0][0]], measured[kits[-1][0]]
            same = old["scores"] == new["scores"]
            print(f"speed-up: wall {old['wall'] / new['wall']:.2f}x, CPU {old['cpu'] / new['cpu']:.2f}x; "
                  f"scores {'identical' if same else 'DIFFER'}", flush=True)
        if args.nbgrader:
            from nbgrader_side import grade_with_nbgrader
            wall, cpu, how, scores = grade_with_nbgrader(assignment, sources, Path(tmp) / "nbgrader")
            new = measured[kits[-1][0]]
            full = sum(score >= assignment.max_score - 1e-6 for score in scores.values())
            kit_full = sum(score >= assignment.max_score - 1e-6 for score in new["scores"])
            print(f"{'nbgrader autograde':28s} wall {wall:7.1f} s  CPU {cpu:7.1f} s ({how}); full marks: "
                  f"{full} (the kit: {kit_full}); the kit is {wall / new['process_wall']:.1f}x faster in wall "
                  f"time, {cpu / new['cpu']:.1f}x in CPU", flush=True)
        print(f"load average after: {os.getloadavg()[0]:.1f}; CPU measured by {measured[kits[-1][0]]['cpu_how']}")


if __name__ == "__main__":
    main()
