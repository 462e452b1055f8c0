"""The cluster recipes run as they are: the Slurm array through a real one-node Slurm cluster (Debian's
slurm-wlm, installed where apt-get can; skipped with the reason elsewhere), the Kubernetes Indexed Job's
command for every completion index through the CLI's own parser."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import ROOT, SUBMISSIONS

from autograder import shard
from autograder.cli import _parser

RECIPES = ROOT / "recipes"
EXAMPLES = SUBMISSIONS / "convolution" / "examples"
DAEMONS = ("slurmctld", "slurmd", "sbatch")


def test_kubernetes_indexed_job_gives_every_shard_once():
    yaml = pytest.importorskip("yaml")
    job = yaml.safe_load((RECIPES / "kubernetes-indexed-job.yaml").read_text())
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"]
    container = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["SHARDS"]) == spec["completions"]
    shards, outs = [], set()
    for index in range(spec["completions"]):
        line = subprocess.run([*container["command"], f"printf '%s\\n' {container['args'][0]}"], check=True,
                              capture_output=True, text=True, env={**env, "JOB_COMPLETION_INDEX": str(index)})
        args = _parser().parse_args(line.stdout.split()[1:])
        assert args.command == "grade" and args.course
        shards.append(shard.parse(args.shard))
        outs.add(args.out)
    assert shards == [(k, spec["completions"]) for k in range(1, spec["completions"] + 1)]
    assert len(outs) == spec["completions"]


def _slurm_or_skip() -> None:
    if all(shutil.which(d) for d in DAEMONS):
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        pytest.skip("Slurm is not installed and cannot be (no apt-get, or not root): apt-get install slurm-wlm")
    try:
        done = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "slurm-wlm"],
                              capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        pytest.skip("apt-get install slurm-wlm took over 10 minutes")
    if done.returncode or not all(shutil.which(d) for d in DAEMONS):
        pytest.skip(f"apt-get install slurm-wlm failed: {done.stderr.strip().splitlines()[-1:]}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def slurm(tmp_path):
    """A one-node Slurm cluster on this machine (no munge: auth/none), ended after the test."""
    _slurm_or_skip()
    state = tmp_path / "slurm"
    for folder in ("state", "spool"):
        (state / folder).mkdir(parents=True)
    host = socket.gethostname()
    conf = state / "slurm.conf"
    conf.write_text(f"""ClusterName=kit
SlurmctldHost={host}
AuthType=auth/none
CredType=cred/none
SlurmUser=root
SlurmdUser=root
SlurmctldPort={_free_port()}
SlurmdPort={_free_port()}
StateSaveLocation={state}/state
SlurmdSpoolDir={state}/spool
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/slurmctld.log
SlurmdLogFile={state}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName={host} CPUs={os.cpu_count()} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
""")
    env = {**os.environ, "SLURM_CONF": str(conf)}
    for daemon in ("slurmctld", "slurmd"):
        subprocess.run([daemon, "-f", str(conf)], check=True, env=env, timeout=60)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        idle = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True, env=env)
        if idle.stdout.strip() == "idle":
            break
        time.sleep(0.5)
    else:
        pytest.fail(f"the one-node Slurm cluster did not come up: {(state / 'slurmctld.log').read_text()[-1500:]}")
    yield env
    for daemon in ("slurmd", "slurmctld"):
        pid = state / f"{daemon}.pid"
        if pid.exists():
            try:
                os.kill(int(pid.read_text()), 15)
            except (ProcessLookupError, ValueError):
                pass


def test_slurm_array_recipe_runs_through_sbatch(slurm, tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copyfile(ROOT / "grading.toml", course / "grading.toml")
    for folder in ("solutions", "hidden", "assignments"):
        (course / folder).symlink_to(ROOT / folder)
    kinds = {"alice": EXAMPLES / "correct", "bob": EXAMPLES / "buggy", "carol": ROOT / "assignments" / "convolution"}
    for name, folder in kinds.items():
        shutil.copytree(folder, course / "submissions" / name, ignore=shutil.ignore_patterns("__pycache__"))
    autograder = str(Path(sys.executable).parent / "autograder")
    env = {**slurm, "AUTOGRADER": autograder}
    array = subprocess.run(["sbatch", "--parsable", "--array=1-2", str(RECIPES / "slurm-array.sh"), "convolution",
                            *(f"submissions/{n}" for n in kinds)], cwd=course, env=env, check=True,
                           capture_output=True, text=True)
    job = array.stdout.strip().split(";")[0]
    merge = subprocess.run(["sbatch", "--wait", f"--dependency=afterok:{job}", "--output=merge.log", "--wrap",
                            f"{autograder} merge shards/convolution-* --out results"], cwd=course, env=env,
                           capture_output=True, text=True, timeout=900)
    logs = "\n".join(p.read_text()[-1500:] for p in sorted(course.glob("**/*.log")))
    assert merge.returncode == 0, merge.stderr + logs
    scores = {n: json.loads((course / "results" / n / "results.json").read_text())["score"] for n in kinds}
    assert scores["alice"] == 100 and 0 < scores["bob"] < 100 and scores["carol"] == 0, logs
    assert len(list((course / "shards").glob("convolution-*/shard.json"))) == 2
    assert (course / "results" / "grades.csv").read_text().count("\n") == 1 + len(kinds)
