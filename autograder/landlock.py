"""Landlock: a process closes the file system to itself, without privileges or namespaces (Linux >= 5.13).

The uid tier of the sandbox (autograder.sandbox) uses it where the kernel has it, so that a worker can
read only the system, the Python installation and its own scratch folder, and write only the scratch
folder, whatever the permissions of the rest of the machine. From ABI 6 (Linux 6.12) it also refuses
abstract Unix sockets and signals to processes outside the worker's own domain.
Docker's default seccomp profile allows the three Landlock calls (moby PR 43199).
"""
from __future__ import annotations

import ctypes
import os

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same on x86_64 and aarch64
_VERSION = 1
_RULE_PATH_BENEATH = 1
EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1, 2, 4, 8
FILE_RIGHTS_MASK = EXECUTE | WRITE_FILE | READ_FILE | (1 << 14)  # rights a rule on a file (not a folder) may hold
READ = EXECUTE | READ_FILE | READ_DIR
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1, 2

_libc = ctypes.CDLL(None, use_errno=True)


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


class _Ruleset(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


def abi() -> int:
    """The kernel's Landlock ABI version; 0 where it has none (or a seccomp filter refuses it)."""
    version = _libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(_VERSION))
    return max(version, 0)


def _handled(version: int) -> int:
    """Every file-system right of this ABI but ioctl on devices: ABI 1 has 13, 2 adds REFER, 3 TRUNCATE."""
    return (1 << {1: 13, 2: 14}.get(version, 15)) - 1


def restrict(readable: list[str], writable: list[str]) -> int:
    """Allow this process (and all it starts) to read only under `readable` and to change only under
    `writable`; return the ABI used (0: Landlock is unavailable, nothing was changed). Needs no_new_privs."""
    version = abi()
    if version == 0:
        return 0
    handled = _handled(version)
    attr = _Ruleset(handled, 0, SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0)
    size = 24 if version >= 6 else 8  # the struct grew with ABI 4 (net) and 6 (scoped); net stays unhandled
    ruleset = _libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset refused the ruleset")
    try:
        for paths, rights in ((readable, READ), (writable, handled)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except FileNotFoundError:
                    continue
                try:
                    allowed = rights if os.path.isdir(path) else rights & FILE_RIGHTS_MASK
                    rule = _PathBeneath(allowed & handled, fd)
                    if _libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
                        raise OSError(ctypes.get_errno(), f"landlock_add_rule refused {path}")
                finally:
                    os.close(fd)
        if _libc.syscall(_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed (is no_new_privs set?)")
    finally:
        os.close(ruleset)
    return version
