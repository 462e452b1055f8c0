"""Hostile and broken submissions, graded in one call beside an innocent one.

Each scores exactly what its honest content deserves (the parts it did not touch, from the reference),
gets a results.json that says why it lost points, and the innocent submission still gets full marks.
The sandbox_* ones attack the machine: read the reference or other submissions, write outside their
scratch space, signal the grader, reach the network, exhaust processes or disk. Their conv2d_forward
is correct only if the attack worked, so a blocked attack scores 70. After the call, no file outside
the workers' scratch space changed and no worker process is left.

The catalogue runs in each tier of the sandbox: 'namespaces' in this process, and 'uid' in a child process
that is a simulated Docker container (tests/container.py: namespaces refused by a seccomp filter the way
Docker's default profile refuses them), where grading picks the uid tier by itself. In the container run
the attacks on the machine and those that depend on limits (CONTAINER_CASES); the others test the judge
and the channel, which are the same in every tier, and run once.
"""
import ctypes
import dataclasses
import hashlib
import json
import os
import socket
import subprocess
import threading
import time
import traceback
from pathlib import Path

import container
import pytest
from helpers import ROOT, SUBMISSIONS, compose

from autograder import sandbox
from autograder.grade import grade

ATTACKS = SUBMISSIONS / "convolution" / "attacks"
TIER_HERE, WHY_NOT = sandbox.choose()
CONTAINER_WHY_NOT = ("the simulated container needs root, namespaces (to be built) and libseccomp"
                     if TIER_HERE != "namespaces" or os.geteuid() != 0 or not container.library() else "")
# name, base files, the score its honest content deserves, a phrase its feedback must contain.
# Parts: conv2d_forward 30, conv2d_backward 40 (conv.py); conv_output_size 10, receptive_field 20.
CASES = [
    ("syntax_error", "reference", 30, "SyntaxError"),
    ("missing_file", "reference", 30, "conv.py is missing"),
    ("exception_at_import", "reference", 30, "RuntimeError"),
    ("sys_exit_at_import", "reference", 30, "SystemExit(0)"),
    ("os_exit_at_import", "reference", 30, "ended the worker process"),
    ("sys_exit_in_function", "reference", 70, "SystemExit(0)"),
    ("os_exit_in_function", "reference", 60, "ended during the call"),
    ("infinite_loop", "reference", 70, "did not finish within"),
    ("infinite_loop_at_import", "reference", 70, "importing receptive_field.py did not finish"),
    ("patches_comparisons", "reference", 30, "has shape (1,)"),
    ("lying_tensor", "reference", 30, "values differ"),
    ("conftest_forces_pass", "stubs", 0, "not implemented yet"),
    ("forbidden_static", "reference", 70, "torch.nn.functional.conv2d"),
    ("forbidden_dynamic", "reference", 70, "uses torch.nn.functional.conv2d (conv.py, line"),
    ("forbidden_in_helper", "reference", 60, "torch.autograd.grad"),
    ("memory_hog", "reference", 70, "a worker may use 1024 MB"),
    ("huge_output", "reference", 70, "more than the 64 MiB allowed"),
    ("nan_output", "reference", 70, "contains nan"),
    ("returns_numpy", "reference", 70, "should be a torch.Tensor"),
    ("prints_a_lot", "reference", 100, "100 / 100"),
    ("garbage_on_the_channel", "reference", 70, "conv2d_forward: 0 / 30"),
    ("forged_reply", "reference", 70, "conv2d_forward: 0 / 30"),
]
BLOCKED = "conv2d_forward: 0 / 30"
SANDBOX_CASES = [(name, "reference", 70, BLOCKED) for name in sorted(
    p.name for p in ATTACKS.iterdir() if p.name.startswith("sandbox_"))]
if not sandbox.can_confine():  # each process has its own memory limit, but not all of them together
    SANDBOX_CASES = [case for case in SANDBOX_CASES if case[0] != "sandbox_fork_and_allocate"]
CASES += SANDBOX_CASES  # run only in a sandbox: outside one they would really kill processes or forge grades
CONTAINER_CASES = {case[0] for case in SANDBOX_CASES} | {
    "memory_hog", "huge_output", "infinite_loop", "os_exit_in_function", "forged_reply", "prints_a_lot"}
PWNED = [Path("/tmp/autograder-pwned-tmp.txt"), Path("/tmp/autograder-pwned-late.txt"),
         Path("/root/autograder-pwned-home.txt"), Path("/root/autograder-pwned-late.txt")]
LOOPBACK_PORT, ABSTRACT_NAME = 47123, "\0autograder-canary"
pytestmark = pytest.mark.timeout(900)  # grading the catalogue once per tier, on 2 shared cores


def _digest(folder: Path) -> dict[str, str]:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=folder, capture_output=True, check=True).stdout
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in files.decode().split("\0") if name and (folder / name).is_file()}


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class _Listener:
    """Counts connections to a loopback TCP port and to an abstract Unix socket."""

    def __init__(self):
        self.accepted = 0
        self.sockets = [socket.create_server(("127.0.0.1", LOOPBACK_PORT)), socket.socket(socket.AF_UNIX)]
        self.sockets[1].bind(ABSTRACT_NAME)
        self.sockets[1].listen()
        for server in self.sockets:
            server.settimeout(0.2)
            threading.Thread(target=self._serve, args=(server,), daemon=True).start()
        self.running = True

    def _serve(self, server):
        while getattr(self, "running", True):
            try:
                server.accept()[0].close()
                self.accepted += 1
            except OSError:
                continue

    def close(self):
        self.running = False
        for server in self.sockets:
            server.close()


def _status(pid: str) -> dict[str, str]:
    try:
        return dict(line.split(":\t", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                    if ":\t" in line)
    except OSError:
        return {}


def _sandbox_processes() -> list[str]:
    """Worker processes (uid >= 200000) descending from this test process: the graded ones, not those of
    other graders on the machine. As a child subreaper (set by `graded`), this process inherits every
    orphan its workers leave, daemons included."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        status = _status(entry.name)
        if int(status.get("Uid", "0").split()[0]) < 200_000 or status.get("State", "").startswith("Z"):
            continue  # not a worker's, or dead already (a zombie left for this subreaper to reap)
        pid = entry.name
        for _ in range(64):  # up the parent chain to this process, or to the machine's init
            pid = _status(pid).get("PPid", "0").strip()
            if pid == str(os.getpid()):
                found.append(entry.name)
                break
            if pid in ("0", "1"):
                break
    return found


def _grade_in_container(assignment, sources, out) -> dict:
    """Grade in a forked child that becomes the simulated container; what it saw comes back as JSON."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            container.enter()
            results = grade(assignment, sources, out, jobs=2)
            time.sleep(2)  # as below: a daemon that outlived its call may write now
            seen = {"tier": sandbox.choose()[0], "pwned": [str(p) for p in PWNED if p.exists()],
                    "results": {r.submission: [r.score, [t.message for t in r.grader_errors]] for r in results}}
        except BaseException:  # noqa: BLE001 - the parent reports it
            seen = {"error": traceback.format_exc()}
        with os.fdopen(writer, "w") as stream:
            stream.write(json.dumps(seen))
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as stream:
        seen = json.loads(stream.read() or '{"error": "the container process ended without a word"}')
    os.waitpid(pid, 0)
    assert "error" not in seen, seen.get("error")
    return seen


@dataclasses.dataclass
class Graded:
    score: float
    grader_errors: list[str]


@dataclasses.dataclass
class Run:
    tier: str  # of the sandbox: 'namespaces', 'uid', '' (none)
    results: dict[str, Graded]
    out: Path
    before: dict
    after: dict
    connections: int  # accepted by the loopback and abstract-socket canaries while grading
    pwned: list[str]  # PWNED files that exist, seen from the grader's side
    names: set[str]  # the cases graded in this run


@pytest.fixture(scope="module")
def listener():
    """One listener for both tiers: a port bound once is not at the mercy of a socket still closing."""
    canary = _Listener()
    yield canary
    canary.close()


@pytest.fixture(scope="module", params=["here", "container"])
def graded(request, convolution, tmp_path_factory, listener):
    """Grade the catalogue beside an innocent submission in one call: 'here' in this process's tier,
    'container' in a simulated Docker container (the uid tier)."""
    if request.param == "container" and CONTAINER_WHY_NOT:
        pytest.skip(CONTAINER_WHY_NOT)
    tier = "uid" if request.param == "container" else TIER_HERE
    ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER: orphans of the workers come to this process
    cases = [case for case in CASES if (tier or not case[0].startswith("sandbox_"))
             and (request.param == "here" or case[0] in CONTAINER_CASES)]
    tmp = tmp_path_factory.mktemp(f"attacks-{request.param}")
    quick = dataclasses.replace(convolution, limits=dataclasses.replace(convolution.limits, call_timeout_s=2.0))
    sources = [compose(convolution, ATTACKS / name, tmp / "in" / name, base) for name, base, *_ in cases]
    sources.append(compose(convolution, tmp / "nothing", tmp / "in" / "innocent"))
    out, home = tmp / "out", tmp / "home"
    out.mkdir()
    home.mkdir()
    (out / "canary.txt").write_text("results of an earlier run")
    before = {"checkout": _digest(ROOT), "inputs": _tree(tmp / "in"), "out": _tree(out), "home": _tree(home)}
    listener.accepted = 0
    os.environ["AUTOGRADER_CANARY_HOME"] = str(home)
    try:
        if request.param == "container":
            seen = _grade_in_container(quick, sources, out)
            assert seen["tier"] == "uid", "the simulated container should have made grading pick the uid tier"
            results = {name: Graded(*value) for name, value in seen["results"].items()}
            pwned = seen["pwned"]  # what the container saw (its HOME is its own)
        else:
            results = {r.submission: Graded(r.score, [t.message for t in r.grader_errors])
                       for r in grade(quick, sources, out, jobs=2)}
            time.sleep(2)  # give a daemon that outlived its call the time to write
            pwned = []
    finally:
        connections = listener.accepted
        del os.environ["AUTOGRADER_CANARY_HOME"]
    after = {"checkout": _digest(ROOT), "inputs": _tree(tmp / "in"), "out": _tree(out), "home": _tree(home)}
    return Run(tier, results, out, before, after, connections, pwned + [str(p) for p in PWNED if p.exists()],
               {case[0] for case in cases})


def _graded_here(run: Run, name: str) -> None:
    if name not in run.names:
        pytest.skip("the same in every tier: graded in this process's")


def _sandboxed(run: Run) -> None:
    if not run.tier:
        pytest.skip(f"no sandbox here: {WHY_NOT}")


def test_every_case_has_a_fixture():
    names = {name for name, *_ in CASES} | {p.name for p in ATTACKS.iterdir() if p.name.startswith("sandbox_")}
    assert sorted(p.name for p in ATTACKS.iterdir()) == sorted(names)


@pytest.mark.parametrize("name, base, deserved, phrase", CASES, ids=[c[0] for c in CASES])
def test_attack_scores_its_honest_content_only(graded, name, base, deserved, phrase):
    if name.startswith("sandbox_"):
        _sandboxed(graded)
    _graded_here(graded, name)
    feedback = (graded.out / name / "feedback.txt").read_text()
    report = json.loads((graded.out / name / "results.json").read_text())
    assert graded.results[name].score == pytest.approx(deserved), feedback
    assert report["score"] == pytest.approx(deserved)
    assert phrase in feedback, feedback
    assert not graded.results[name].grader_errors, graded.results[name].grader_errors[0]


def test_innocent_beside_the_attackers_gets_full_marks(graded):
    assert graded.results["innocent"].score == 100, (graded.out / "innocent" / "feedback.txt").read_text()


@pytest.mark.parametrize("where", ["checkout", "inputs", "out", "home"])
def test_nothing_outside_the_scratch_space_changed(graded, where):
    _sandboxed(graded)
    before, after = graded.before, graded.after
    if where == "out":  # the grader itself adds the reports; what was there must stay as it was
        after = {where: {k: v for k, v in after[where].items() if k in before[where] or "pwned" in k}}
    assert after[where] == before[where]


def test_no_file_planted_and_no_connection_made(graded):
    _sandboxed(graded)
    assert graded.pwned == []
    assert graded.connections == 0


def test_no_worker_process_survives_the_call(graded):
    _sandboxed(graded)
    assert _sandbox_processes() == []


def test_the_catalogue_has_teeth_without_the_sandbox(convolution, tmp_path, monkeypatch):
    """Unsandboxed, reading the reference from disk forges full marks: the sandbox is what stops it."""
    monkeypatch.setattr(sandbox, "choose", lambda: ("", "disabled by this test"))
    source = compose(convolution, ATTACKS / "sandbox_read_reference", tmp_path / "thief")
    monkeypatch.chdir(ROOT)
    (result,) = grade(convolution, [source], None, jobs=1)
    assert result.score == 100
