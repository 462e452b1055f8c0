"""Peak memory and time of one Gradescope submission at half a vCPU, as Gradescope's defaults allow
(768 MB, 0.5 vCPU, 10 minutes).

Builds the zip, lays out Gradescope's tree, runs setup.sh offline (from this machine's packages), then
run_autograder on the correct example inside the simulated Docker container (tests/container.py: the
uid tier) and inside a fresh cgroup with a CPU quota of 50 ms per 100 ms (cgroup v1 cpu.cfs_quota_us or
v2 cpu.max). Memory: every 50 ms the sum of RSS and of PSS (shared pages split between the processes that
share them: torch's pages are shared by the grader, zygote, judge and worker) over the cgroup's processes.
Needs root and a writable cgroup tree.

    .venv/bin/python tests/gradescope_footprint.py [convolution] [SUBMISSION]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers import ROOT, SUBMISSIONS, venv_over_this_one  # noqa: E402

from autograder import config, gradescope  # noqa: E402


def _cgroup() -> tuple[list[Path], list[tuple[Path, str]]]:
    """Fresh cgroups (folders to join) and the CPU quota files to write, v1 or v2."""
    name = f"gradescope-footprint-{os.getpid()}"
    if Path("/sys/fs/cgroup/cgroup.controllers").exists():
        folder = Path("/sys/fs/cgroup") / name
        folder.mkdir()
        return [folder], [(folder / "cpu.max", "50000 100000")]
    folders = [Path("/sys/fs/cgroup/cpu") / name, Path("/sys/fs/cgroup/memory") / name]
    for folder in folders:
        folder.mkdir()
    return folders, [(folders[0] / "cpu.cfs_period_us", "100000"), (folders[0] / "cpu.cfs_quota_us", "50000")]


def _memory(folder: Path) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in bytes over the processes of a cgroup and its children (the workers')."""
    rss = pss = 0
    pids = {pid for procs in folder.rglob("cgroup.procs") for pid in procs.read_text().split()}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) << 10
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) << 10
        except OSError:
            continue
    return rss, pss


def main(name: str = "convolution", submission: Path = SUBMISSIONS / "convolution" / "examples" / "correct") -> None:
    course = config.load(ROOT / "grading.toml")
    base = Path(tempfile.mkdtemp(prefix="gradescope-footprint-"))
    base.chmod(0o755)
    root = base / "autograder"
    (root / "source").mkdir(parents=True)
    zipped = gradescope.build(course.assignment(name), course.path, base / f"{name}.zip")
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(root / "source")
    python = Path(sys.base_prefix) / "bin" / "python3"
    venv_over_this_one(python, base / "venv")
    env = dict(os.environ, AUTOGRADER_PYTHON=str(python),
               AUTOGRADER_VENV=str(base / "venv"), AUTOGRADER_VENV_OPTIONS="--without-pip",
               PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1", AUTOGRADER_ROOT=str(root))
    subprocess.run(["bash", str(root / "source" / "setup.sh")], env=env, check=True, capture_output=True)
    shutil.copytree(submission, root / "submission")
    (root / "submission_metadata.json").write_text("{}")
    folders, quota = _cgroup()
    for path, value in quota:
        path.write_text(value)
    peak = {"rss": 0, "pss": 0}
    done = threading.Event()

    def sample():
        while not done.is_set():
            rss, pss = _memory(folders[-1])
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            time.sleep(0.05)

    def join():
        for folder in folders:
            (folder / "cgroup.procs").write_text(str(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    ran = subprocess.run([sys.executable, str(ROOT / "tests" / "container.py"), "bash",
                          str(root / "source" / "run_autograder")], env=env, preexec_fn=join,
                         capture_output=True, text=True)
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    usage = next((f / name for f in folders for name in ("memory.max_usage_in_bytes", "memory.peak")
                  if (f / name).exists()), None)
    cgroup_peak = int(usage.read_text()) if usage else 0
    results = json.loads((root / "results" / "results.json").read_text())
    for folder in folders:
        folder.rmdir()
    shutil.rmtree(base)
    tier = "uid" if "sandbox tier 'uid'" in ran.stdout + ran.stderr else "?"
    print(f"{name}, {submission.name}: score {results['score']:g}, {len(results['tests'])} tests, sandbox tier {tier}")
    print(f"wall {seconds:.1f} s at half a vCPU (cgroup CPU quota 50 ms / 100 ms), Gradescope's limit 600 s")
    print(f"peak memory of the whole process tree: RSS summed {peak['rss'] / 2**20:.0f} MiB, PSS summed "
          f"{peak['pss'] / 2**20:.0f} MiB; cgroup peak (page cache included) {cgroup_peak / 2**20:.0f} MiB; "
          f"Gradescope's limit 768 MB")


if __name__ == "__main__":
    main(*(sys.argv[1:2]), *(Path(p) for p in sys.argv[2:3]))
