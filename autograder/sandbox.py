"""The sandbox a worker enters before it imports a student's file (Linux namespaces, no helper binary).

A worker is forked from a zygote that has already imported torch; it then isolates itself the way
bubblewrap would, but in-process, so that no sandbox costs a fresh torch import:

- new mount, PID, network, IPC and UTS namespaces; the worker's code runs as PID 1 of its PID
  namespace, so every process it starts dies with it;
- a new root (chroot) holding only read-only binds of the system and Python directories, a fresh
  /proc, a few devices, a small private /tmp, and the submission's declared files in a size-capped
  tmpfs: the reference solutions, the hidden tests, the course checkout, other submissions, the
  grader's outputs and HOME are not there at all;
- no network (an empty network namespace: only a down loopback);
- an unprivileged uid of its own, no capabilities, no_new_privs, and rlimits on processes, open files
  and file size (the address-space limit is set by the worker);
- where the cgroup tree is writable, a memory and a task cap on the worker and everything it starts.

`available()` says whether this machine allows it (root, or unprivileged user namespaces).

Where the grader runs as root but namespaces are refused (a default Docker container, Gradescope's
included), `choose()` picks the uid tier instead (`enter_uid_tier`): the worker drops to a uid and gid
of its own (no capabilities, no_new_privs), a seccomp filter (autograder.seccomp) refuses sockets,
namespaces, mounts and ptrace, Landlock (autograder.landlock, where the kernel has it) lets it read only
the system, Python and its own files and write only its scratch folder, and `close_folders` makes the
grader's own files unreadable to other users by permissions. A worker's processes all share its uid,
so `release` kills every one of them. Elsewhere grading runs with process isolation only, and says so.
"""
from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
import time
from pathlib import Path

from autograder import landlock, seccomp

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1, 2, 4, 8, 32, 4096, 16384, 1 << 18)
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/sys/devices/system/cpu")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")
MAX_PROCESSES = 64
MAX_OPEN_FILES = 256
WORK_MB = 64
TMP_MB = 16

_libc = ctypes.CDLL(None, use_errno=True)


class SandboxError(OSError):
    """The kernel refused a step of the sandbox."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SandboxError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                       ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def visible_paths() -> list[str]:
    """What a worker may read: the system, the Python installation, the venv, the autograder package."""
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    paths = {p for p in SYSTEM_DIRS if os.path.exists(p)} | prefixes
    paths.add(str(Path(__file__).resolve().parent))  # the autograder package, already public
    for entry in sys.path:  # only what lies inside the Python installation: never the checkout or ''
        real = os.path.realpath(entry) if entry else ""
        if real and os.path.isdir(real) and any(real.startswith(p + os.sep) for p in prefixes):
            paths.add(real)
    chosen = []
    for path in sorted(paths):
        if not any(path.startswith(parent + os.sep) for parent in chosen):
            chosen.append(path)
    return chosen


def available() -> tuple[bool, str]:
    """(True, '') when a worker can be sandboxed here, else (False, why not), without changing anything."""
    if not sys.platform.startswith("linux"):
        return False, f"namespaces are Linux-only (this is {sys.platform})"
    pid = os.fork()
    if pid == 0:  # try the risky steps in a throw-away child
        try:
            _enter_namespaces()
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) == 0:
        return True, ""
    return False, "this machine refuses new namespaces (run as root, or enable unprivileged user namespaces)"


def _enter_namespaces() -> None:
    flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    if os.geteuid() != 0:
        uid, gid = os.geteuid(), os.getegid()
        _unshare(flags | CLONE_NEWUSER)
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"0 {uid} 1")
        Path("/proc/self/gid_map").write_text(f"0 {gid} 1")
    else:
        _unshare(flags)


def _bind(source: str, target: str) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        Path(target).touch()
    _mount(source, target, None, MS_BIND | MS_REC)
    try:
        _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)
    except SandboxError:  # devices and some file systems refuse the read-only remount; keep nosuid
        pass


def _build_root(root: str, workdir: str, files: dict[str, bytes], uid: int) -> None:
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    os.makedirs(root, exist_ok=True)
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for path in ("/tmp", "/dev/shm"):  # first: the venv or the checkout may live under /tmp
        os.makedirs(root + path, exist_ok=True)
        _mount("tmpfs", root + path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={TMP_MB}m,mode=1777")
    for path in visible_paths():
        _bind(path, root + path)
    for device in DEVICES:
        if os.path.exists(device):
            _bind(device, root + device)
    os.makedirs(root + "/proc")
    _mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(root + workdir, exist_ok=True)
    _mount("tmpfs", root + workdir, "tmpfs", MS_NOSUID | MS_NODEV, f"size={WORK_MB}m,mode=1777")
    for name, data in files.items():
        (Path(root + workdir) / name).write_bytes(data)
    os.chown(root + workdir, uid, uid)
    _mount(None, root, None, MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY, "size=1m,mode=755")


def _cgroups(pid: int) -> list[tuple[Path, str, str]]:
    """(folder, limit file, controller) of the cgroups a worker `pid` is confined in, v1 or v2."""
    found = []
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for controller, limit in (("memory", "memory.limit_in_bytes"), ("pids", "pids.max")):
            if controller in controllers.split(","):
                found.append((Path(f"/sys/fs/cgroup/{controller}{path}") / f"autograder-{pid}", limit, controller))
        if controllers == "" and Path("/sys/fs/cgroup/cgroup.controllers").exists():  # cgroup v2
            for controller, limit in (("memory", "memory.max"), ("pids", "pids.max")):
                found.append((Path(f"/sys/fs/cgroup{path}") / f"autograder-{pid}", limit, controller))
    return found


def confine(memory_bytes: int, max_tasks: int) -> list[str]:
    """Put this process (and all it will start) in cgroups that cap their memory and task count
    together; return the controllers that took effect. Best effort: needs a writable cgroup tree."""
    confined = []
    for folder, limit, controller in _cgroups(os.getpid()):
        try:
            folder.mkdir(exist_ok=True)
            (folder / limit).write_text(str(memory_bytes if controller == "memory" else max_tasks))
            (folder / "cgroup.procs").write_text(str(os.getpid()))
            confined.append(controller)
        except OSError:
            pass
    return confined


def can_confine() -> bool:
    """Whether confine() would cap both memory and tasks here (tried on a throw-away cgroup)."""
    probes = _cgroups(-os.getpid())
    made = []
    try:
        for folder, _, _ in probes:
            folder.mkdir()
            made.append(folder)
        return {controller for _, _, controller in probes} == {"memory", "pids"}
    except OSError:
        return False
    finally:
        for folder in made:
            folder.rmdir()


def release(pid: int, tier: str = "namespaces") -> None:
    """Remove the cgroups of a worker that has ended (its processes take a moment to go); in the uid
    tier, first kill every process left with the worker's uid (a daemon it started, say)."""
    if tier == "uid":
        kill_uid(worker_uid(pid))
    for folder, _, _ in _cgroups(pid):
        for _ in range(50):
            try:
                folder.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                time.sleep(0.02)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """Empty every capability set (needed where the sandbox is a user namespace and uid 0 inside)."""
    header, data = _CapHeader(0x20080522, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def isolate(root: str, workdir: str, files: dict[str, bytes]) -> None:
    """Enter the sandbox: on return, this process is PID 1 of a new namespace, in a new root with
    `files` in `workdir` (its current folder), as an unprivileged user. The parent process it leaves
    behind only waits for it and passes its exit status on; killing that parent kills the sandbox."""
    uid = worker_uid(os.getpid()) if os.geteuid() == 0 else 0
    _enter_namespaces()
    child = os.fork()
    if child:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _, status = os.waitpid(child, 0)
        os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _build_root(root, workdir, files, uid)
    os.chroot(root)
    os.chdir(workdir)
    resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    resource.setrlimit(resource.RLIMIT_NOFILE, (MAX_OPEN_FILES, MAX_OPEN_FILES))
    if os.geteuid() == 0 and uid:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    _drop_capabilities()
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    os.environ.update(HOME=workdir, TMPDIR="/tmp")


def worker_uid(pid: int) -> int:
    """The unprivileged uid (and gid) of the worker whose process id is `pid`, in either tier: unique among
    the workers alive (pid_max is at most 2**22), so no two of them share a uid."""
    return 200_000 + pid


def choose() -> tuple[str, str]:
    """(tier, why): 'namespaces' where available() holds, else 'uid' for a root grader on Linux (the
    kernel refuses namespaces, as in a default Docker container), else '' (no sandbox) and why not."""
    ok, why_not = available()
    if ok:
        return "namespaces", ""
    if sys.platform.startswith("linux") and os.geteuid() == 0 and seccomp.supported():
        closed = [blocked for blocked in map(_closed_to_others, visible_paths()) if blocked]
        if not closed:
            return "uid", why_not
        why_not += (f", and the uid tier needs the Python installation readable by every user, but {closed[0]} is "
                    f"closed to them: install Python and the venv elsewhere (/usr/local, /opt)")
    return "", why_not


def _closed_to_others(path: str) -> str:
    """The first folder on the way to `path` that other users may not enter, or '' if there is none."""
    parts = Path(path).parts
    for depth in range(1, len(parts) + 1):
        folder = os.path.join(*parts[:depth])
        if os.path.isdir(folder) and not os.stat(folder).st_mode & 0o001:
            return folder
    return ""


def uid_tier_note() -> str:
    """What the uid tier does here and what it does not cover, in a few lines for stderr."""
    version = landlock.abi()
    files = (f"Landlock (ABI {version}) lets it read only the system, Python and its own files and write only its "
             f"scratch folder" if version else
             "no Landlock on this kernel: it can read what is readable to every user and write folders every "
             "user may write, such as /tmp")
    return (f"each worker runs as a user of its own (no capabilities, no_new_privs); a seccomp filter refuses "
            f"sockets, namespaces, mounts and ptrace; {files}; the course folder, the outputs and the submissions "
            f"are closed to other users (chmod go-rwx). Not covered: the total size a worker writes into its "
            f"scratch folder (only each file is capped at 64 MB), /proc and the system's world-readable files")


def close_folders(course: Path, others: list[Path]) -> list[Path]:
    """For the uid tier: take group and other permissions away from the course folder's entries (its
    solutions, hidden tests, submissions, gradebook...), except those that hold the Python installation
    or the autograder package, and from `others` (outputs, submissions); the course folder itself stays
    traversable but unlistable. Return what was changed."""
    needed = [Path(p) for p in visible_paths()]
    changed = []

    def close(path: Path, mask: int) -> None:
        mode = path.lstat().st_mode
        if not path.is_symlink() and mode & mask:
            path.chmod(mode & ~mask & 0o7777)
            changed.append(path)

    course = course.resolve()
    close(course, 0o066)
    for entry in course.iterdir():
        real = entry.resolve()
        if not any(real == p or real in p.parents for p in needed):
            close(entry, 0o077)
    for path in others:
        if path.exists():
            close(path.resolve(), 0o077)
    return changed


def kill_uid(uid: int) -> None:
    """Kill every process of `uid` (a worker's, never root's): a child takes that uid and kills all it may."""
    if uid < 200_000:
        raise ValueError(f"uid {uid} is not a worker's")
    pid = os.fork()
    if pid == 0:
        try:
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            for _ in range(100):  # rounds against processes still forking (kill(-1) succeeds even with none
                os.kill(-1, signal.SIGKILL)  # left, as every other process refuses it: no end signal)
        except OSError:
            pass
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def enter_uid_tier(workdir: str) -> int:
    """Become the unprivileged worker of the uid tier, with `workdir` (the scratch folder, whose parents the
    grader keeps traversable) as its only writable place; return the Landlock ABI used (0: none)."""
    uid = worker_uid(os.getpid())
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    for folder, subfolders, files in os.walk(workdir):  # what an earlier worker of this submission left is ours
        for name in subfolders + files:
            os.lchown(os.path.join(folder, name), uid, uid)
    os.chown(workdir, uid, uid)
    os.chmod(workdir, 0o700)
    resource.setrlimit(resource.RLIMIT_NPROC, (MAX_PROCESSES, MAX_PROCESSES))
    resource.setrlimit(resource.RLIMIT_NOFILE, (MAX_OPEN_FILES, MAX_OPEN_FILES))
    for capability in range(64):  # the bounding set; ends at the first number the kernel does not know
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _drop_capabilities()
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    readable = visible_paths() + ["/proc", *DEVICES]
    version = landlock.restrict(readable, [workdir, "/dev/null"])
    seccomp.install()
    os.chdir(workdir)
    os.environ.update(HOME=workdir, TMPDIR=workdir)
    return version
