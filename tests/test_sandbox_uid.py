"""The pieces of the sandbox's uid tier, each in a throw-away child process: the seccomp filter, Landlock,
the choice of tier, closing the grader's folders, killing a worker's uid. test_attacks.py grades the
whole catalogue in this tier."""
import ctypes
import os
import shutil
import signal
import socket
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest

from autograder import landlock, sandbox, seccomp

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="the uid tier is for a grader running as root")


def _in_child(body) -> int:
    """Run body() in a forked child; return its exit code (body returns it)."""
    pid = os.fork()
    if pid == 0:
        try:
            os._exit(body())
        except BaseException:  # noqa: BLE001
            os._exit(99)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _no_new_privs() -> None:
    assert ctypes.CDLL(None).prctl(38, 1, 0, 0, 0) == 0


@pytest.mark.skipif(not seccomp.supported(), reason="seccomp numbers for x86_64 and aarch64 only")
def test_the_filter_refuses_sockets_and_namespaces_but_not_forks_threads_or_pipes():
    def body():
        _no_new_privs()
        seccomp.install()
        failures = 0
        try:
            socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            failures |= 1
        except PermissionError:
            pass
        try:
            socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            failures |= 2
        except PermissionError:
            pass
        if ctypes.CDLL(None).unshare(0x40000000) == 0:  # CLONE_NEWNET
            failures |= 4
        a, b = socket.socketpair()  # unnamed, to nobody: allowed
        a.close(), b.close()
        child = os.fork()
        if child == 0:
            os._exit(0)
        os.waitpid(child, 0)
        done = []
        thread = threading.Thread(target=done.append, args=(1,))
        thread.start()
        thread.join()
        os.pipe()
        return failures | (0 if done else 8)
    assert _in_child(body) == 0


@pytest.mark.skipif(landlock.abi() == 0, reason="this kernel has no Landlock")
def test_landlock_leaves_only_what_it_was_given(tmp_path):
    readable, writable = tmp_path / "readable", tmp_path / "writable"
    readable.mkdir(), writable.mkdir()
    (readable / "data.txt").write_text("open")
    (tmp_path / "secret.txt").write_text("closed")

    def body():
        _no_new_privs()
        landlock.restrict([str(readable), *sandbox.visible_paths()], [str(writable)])
        failures = 0 if (readable / "data.txt").read_text() == "open" else 1
        (writable / "mine.txt").write_text("mine")
        for attempt, bit in ((lambda: (tmp_path / "secret.txt").read_text(), 2),
                             (lambda: (readable / "planted.txt").write_text("x"), 4),
                             (lambda: os.listdir(tmp_path), 8)):
            try:
                attempt()
                failures |= bit
            except PermissionError:
                pass
        return failures
    assert _in_child(body) == 0
    assert (writable / "mine.txt").read_text() == "mine"
    assert not (readable / "planted.txt").exists()


@ROOT_ONLY
def test_the_uid_tier_is_refused_where_python_is_closed_to_other_users(monkeypatch):
    base = Path(tempfile.mkdtemp())  # pytest's tmp_path lies in a folder closed to other users
    base.chmod(0o755)
    closed = base / "home"
    (closed / "python").mkdir(parents=True)
    closed.chmod(0o700)
    monkeypatch.setattr(sandbox, "available", lambda: (False, "namespaces refused"))
    monkeypatch.setattr(sandbox, "visible_paths", lambda: [str(closed / "python")])
    tier, why = sandbox.choose()
    assert tier == ""
    assert f"{closed} is closed to them" in why and "/opt" in why
    closed.chmod(0o755)
    assert sandbox.choose()[0] == ("uid" if seccomp.supported() else "")
    shutil.rmtree(base)


@ROOT_ONLY
def test_close_folders_closes_the_course_but_not_the_python_installation(tmp_path, monkeypatch):
    course = tmp_path / "course"
    for entry in ("solutions", "hidden", "submitted", ".venv/lib"):
        (course / entry).mkdir(parents=True)
    (course / "grading.toml").write_text("")
    out = tmp_path / "out"
    out.mkdir()
    for path in (course, course / "solutions", course / ".venv", out):
        path.chmod(0o755)
    monkeypatch.setattr(sandbox, "visible_paths", lambda: [str(course / ".venv" / "lib")])
    sandbox.close_folders(course, [out])

    def mode(path):
        return stat.S_IMODE(path.stat().st_mode)
    assert mode(course) == 0o711  # traversable to reach .venv, not listable
    for closed in ("solutions", "hidden", "submitted", "grading.toml"):
        assert mode(course / closed) & 0o077 == 0, closed
    assert mode(course / ".venv") == 0o755
    assert mode(out) == 0o700


@ROOT_ONLY
def test_kill_uid_ends_every_process_of_a_workers_uid_and_nothing_else():
    uid = sandbox.worker_uid(os.getpid()) + 7
    ready_r, ready_w = os.pipe()
    pids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.setsid()  # escapes a process-group kill, as a daemon would
            os.write(ready_w, b"y")
            time.sleep(60)
            os._exit(0)
        pids.append(pid)
    assert os.read(ready_r, 1) + os.read(ready_r, 1) == b"yy"
    sandbox.kill_uid(uid)
    statuses = [os.waitpid(pid, 0)[1] for pid in pids]
    assert [os.WTERMSIG(s) if os.WIFSIGNALED(s) else None for s in statuses] == [signal.SIGKILL] * 2
    with pytest.raises(ValueError, match="not a worker's"):
        sandbox.kill_uid(0)
