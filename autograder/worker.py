"""Workers: the only processes that run student code.

A zygote is forked from the grader once per `grade` call, after torch is imported and before any
reference solution or hidden test is loaded, so its memory holds nothing worth stealing. A judge
asks it for a worker by connecting to its Unix socket; the zygote forks, and the child serves that
connection: it receives its setup (scratch folder, modules, forbidden APIs, limits), imports only
the submission's declared files from the scratch folder, then runs scenarios sent as source code
and sends back their results through the data-only channel (autograder.channel). A worker stays
warm for the whole submission, so a test costs no torch import and no fork.
"""
from __future__ import annotations

import ctypes
import fnmatch
import importlib
import math
import multiprocessing
import os
import resource
import select
import signal
import socket
import sys
import traceback
import types
from pathlib import Path

import numpy as np
import torch
import torch.fx.experimental.symbolic_shapes  # noqa: F401 - the first backward() imports it (and sympy): ~1 s

from autograder import channel, sandbox

MAX_REQUEST = 1 << 30
SAFE_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "HOME", "TMPDIR")


class ForbiddenAPIError(Exception):
    """Raised in a worker when student code calls an API that grading.toml forbids in its file."""


def _die_with_parent() -> None:
    try:  # Linux: SIGKILL when the parent process ends (PR_SET_PDEATHSIG)
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _close_fds(keep: set[int]) -> None:
    for fd in (int(name) for name in os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") \
            else range(3, 256):
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


class Zygote:
    """A clean process that forks one worker per connection to its socket."""

    def __init__(self, folder: str):
        self.address = os.path.join(folder, "zygote.sock")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.address)
        listener.listen(64)
        alive_r, self._alive_w = os.pipe()
        self.process = multiprocessing.get_context("fork").Process(
            target=_zygote_main, args=(listener, alive_r), daemon=True, name="autograder-zygote")
        self.process.start()
        listener.close()
        os.close(alive_r)

    def close(self) -> None:
        os.close(self._alive_w)  # the zygote sees EOF and exits
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()


def _zygote_main(listener: socket.socket, alive_r: int) -> None:
    _die_with_parent()
    _close_fds({listener.fileno(), alive_r})
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped automatically
    while True:
        ready, _, _ = select.select([listener, alive_r], [], [])
        if alive_r in ready:
            os._exit(0)
        conn, _ = listener.accept()
        if os.fork() == 0:
            try:
                listener.close()
                os.close(alive_r)
                _worker_main(conn)
            except BaseException:  # noqa: BLE001 - a worker must never return into the zygote's loop
                traceback.print_exc()
            finally:
                os._exit(0)
        conn.close()


class _Unavailable:
    """Stands for a module that is missing or failed to import; any use says why."""

    def __init__(self, reason: str):
        self._reason = reason

    def __getattr__(self, name):
        raise ModuleNotFoundError(self._reason)


class _Modules(types.SimpleNamespace):
    def __getattr__(self, name):
        raise AttributeError(f"the submission has no module {name!r}")


def _student_site(scratch: str) -> tuple[str, int] | None:
    """The innermost frame of the call stack that runs a submission file: (file name, line)."""
    frame = sys._getframe(2)
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith(scratch):
            return os.path.basename(path), frame.f_lineno
        frame = frame.f_back
    return None


class Guards:
    """Run-time detection of forbidden APIs: each target is wrapped to check who calls it."""

    def __init__(self, forbidden: dict[str, list[str]], scratch: str):
        self.forbidden, self.scratch, self.used = forbidden, scratch, []
        for pattern in sorted({p for patterns in forbidden.values() for p in patterns}):
            for owner, attr, dotted in _targets(pattern):
                self._wrap(owner, attr, dotted)

    def _violation(self, dotted: str) -> None:
        site = _student_site(self.scratch)
        if site and any(_matches(dotted, p) for p in self.forbidden.get(site[0], ())):
            self.used.append({"api": dotted, "file": site[0], "line": site[1]})
            raise ForbiddenAPIError(f"{dotted} is forbidden in {site[0]} (line {site[1]})")

    def _wrap(self, owner, attr: str, dotted: str) -> None:
        target = getattr(owner, attr)
        guards = self
        if isinstance(target, type):
            init = target.__init__

            def guarded_init(self, *args, **kwargs):
                guards._violation(dotted)
                return init(self, *args, **kwargs)
            try:
                target.__init__ = guarded_init
            except (AttributeError, TypeError):  # a built-in type (int): left to the static check
                pass
            return

        def guarded(*args, **kwargs):
            guards._violation(dotted)
            return target(*args, **kwargs)
        guarded.__name__ = getattr(target, "__name__", attr)
        guarded.__doc__ = getattr(target, "__doc__", None)
        try:
            setattr(owner, attr, guarded)
        except (AttributeError, TypeError):
            pass


def _matches(dotted: str, pattern: str) -> bool:
    if pattern.startswith("Tensor."):
        return dotted.rsplit(".", 1)[-1] == pattern.split(".", 1)[1]
    return fnmatch.fnmatchcase(dotted, pattern) or fnmatch.fnmatchcase(dotted, pattern + ".*")


def _targets(pattern: str):
    """(owner, attribute, dotted name) for every live object a pattern names that can be wrapped.

    Private namespaces (torch._C, torch.ops, ...) are left to the static check: wrapping them would
    slow down and break torch itself. A whole top-level package ("dgl") stands for its public callables
    ("dgl.*"); one that is not installed has nothing to wrap, and the static check finds its import.
    """
    if pattern.startswith("Tensor."):
        pattern = "torch." + pattern
    parts = pattern.split(".")
    if len(parts) == 1:
        parts.append("*")
    glob_at = next((i for i, p in enumerate(parts) if any(c in p for c in "*?[")), len(parts))
    owner_parts = parts[:max(glob_at, 1) if glob_at < len(parts) else len(parts) - 1]
    if any(p.startswith("_") for p in owner_parts[1:]) or owner_parts[:2] == ["torch", "ops"]:
        return
    try:
        owner = importlib.import_module(owner_parts[0])
        for name in owner_parts[1:]:
            owner = getattr(owner, name)
    except (ImportError, AttributeError):
        return
    rest = parts[len(owner_parts):]
    if len(rest) != 1:
        return
    for attr in sorted(vars(owner) if isinstance(owner, type) else dir(owner)):
        if attr.startswith("_") and not rest[0].startswith("_") or not fnmatch.fnmatchcase(attr, rest[0]):
            continue
        value = getattr(owner, attr, None)
        dotted = ".".join(owner_parts + [attr])
        if isinstance(value, types.ModuleType) and (attr.startswith("_") or dotted == "torch.ops"
                                                    or attr != rest[0]):
            continue  # private, or reached through a wildcard (torch.nn.grad.* must not reach torch)
        if isinstance(value, type) and attr != rest[0] and \
                not (getattr(value, "__module__", None) or "").startswith(".".join(owner_parts)):
            continue  # a class only imported there (torch.Tensor or typing's in torch.nn.functional): not its API
        if isinstance(value, types.ModuleType):
            for inner in dir(value):
                member = getattr(value, inner, None)
                if not inner.startswith("_") and callable(member) and not isinstance(member, types.ModuleType):
                    yield value, inner, f"{dotted}.{inner}"
        elif callable(value):
            yield owner, attr, dotted


def _describe_error(error: BaseException, scratch: str) -> dict:
    """Type, message and the student's own frames of an exception, as data."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith(scratch)]
    where = ""
    if frames:
        last = frames[-1]
        where = f"{os.path.basename(last.filename)}, line {last.lineno}, in {last.name}"
    try:
        message = str(error)[:2000]
    except Exception:  # noqa: BLE001 - a student's __str__ may fail
        message = "(the exception's message could not be read)"
    lines = [f"  {os.path.basename(f.filename)}:{f.lineno} in {f.name}: {f.line or ''}" for f in frames[-5:]]
    if isinstance(error, SystemExit):
        kind = f"SystemExit({error.code!r})"
    else:
        kind = type(error).__name__
    return {"type": kind, "message": message, "where": where, "traceback": "\n".join(lines)[:4000]}


def _worker_main(conn: socket.socket) -> None:
    os.setsid()
    _die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _close_fds({conn.fileno()})
    setup = channel.recv(conn, MAX_REQUEST)
    scratch = os.path.realpath(setup["scratch"]) + os.sep
    channel.send(conn, {"hello": os.getpid()})  # the judge kills this process group on a timeout
    kept = {name: os.environ[name] for name in SAFE_ENVIRONMENT if name in os.environ}
    os.environ.clear()  # the grader's may hold tokens (CI) or paths; student code sees only these
    os.environ.update(kept)
    if setup["sandbox"]:
        sandbox.confine(2 * setup["memory_mb"] << 20, sandbox.MAX_PROCESSES + 32)
        if setup["sandbox"] == "uid":
            sandbox.enter_uid_tier(scratch)
        else:
            files = {f.name: f.read_bytes() for f in Path(scratch).iterdir() if f.is_file()}
            sandbox.isolate(os.path.join(os.path.dirname(scratch.rstrip(os.sep)), "root"), scratch, files)
    os.chdir(scratch)
    log = os.open(os.path.join(scratch, ".output.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - whatever sys.stdout was before
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    torch.set_num_threads(1)
    used_mb = int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE") // 2**20
    limit = (used_mb + setup["memory_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    guards = Guards(setup["forbidden"], scratch)
    sys.path.insert(0, scratch)
    channel.send(conn, {"sandboxed": bool(setup["sandbox"])})

    modules = _Modules()
    for name, problem in setup["unavailable"].items():
        setattr(modules, name, _Unavailable(problem))
    for name in setup["modules"]:
        if name in setup["unavailable"]:
            continue
        channel.send(conn, {"importing": name})
        try:
            setattr(modules, name, importlib.import_module(name))
            channel.send(conn, {"imported": name, "error": None})
        except BaseException as error:  # noqa: BLE001 - SystemExit at import included
            problem = _describe_error(error, scratch)
            setattr(modules, name, _Unavailable(f"{name}.py failed to import: {problem['type']}: "
                                                f"{problem['message']} ({problem['where']})"))
            channel.send(conn, {"imported": name, "error": problem})
    channel.send(conn, {"ready": True})

    while True:
        try:
            request = channel.recv(conn, MAX_REQUEST)
        except (EOFError, OSError):
            os._exit(0)
        guards.used.clear()
        namespace = {"torch": torch, "np": np, "math": math, "__name__": "scenario"}
        try:
            exec(compile(request["source"], "<scenario>", "exec"), namespace)
            value = namespace[request["name"]](modules, **request["kwargs"])
            reply = {"ok": True, "value": value}
        except BaseException as error:  # noqa: BLE001 - sys.exit and MemoryError included
            reply = {"ok": False, "error": _describe_error(error, scratch)}
        reply["forbidden"] = list(guards.used)
        reply["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            channel.send(conn, reply)
        except Exception as error:  # noqa: BLE001 - whatever the student returned could not be encoded
            channel.send(conn, {"ok": False, "forbidden": list(guards.used), "error": {
                "type": "UnsupportedOutput", "message": str(error), "where": "", "traceback": ""}})
