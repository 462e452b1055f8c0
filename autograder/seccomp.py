"""A seccomp filter that refuses a list of system calls, built as classic BPF (no libseccomp needed).

Used by the uid tier of the sandbox (autograder.sandbox): a worker that cannot have namespaces gets no
sockets (so no network and no abstract Unix sockets; the connection to its judge is already open), no
new namespaces, mounts, ptrace, io_uring, bpf or keyrings. A refused call fails with EPERM (clone3 with
ENOSYS, so that the C library falls back to clone, which is checked for namespace flags). A system
call of another ABI (x32, i386 on x86_64) kills the process, since its numbers are not checked.
"""
from __future__ import annotations

import ctypes
import errno
import platform

# The syscall numbers of the two architectures the kit runs on (asm/unistd_64.h, asm-generic/unistd.h).
SYSCALLS = {
    "x86_64": {"socket": 41, "clone": 56, "ptrace": 101, "pivot_root": 155, "chroot": 161, "mount": 165,
               "umount2": 166, "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272,
               "perf_event_open": 298, "setns": 308, "process_vm_readv": 310, "process_vm_writev": 311,
               "seccomp": 317, "bpf": 321, "userfaultfd": 323},
    "aarch64": {"umount2": 39, "mount": 40, "pivot_root": 41, "chroot": 51, "unshare": 97, "ptrace": 117,
                "socket": 198, "add_key": 217, "request_key": 218, "keyctl": 219, "clone": 220,
                "perf_event_open": 241, "setns": 268, "process_vm_readv": 270, "process_vm_writev": 271,
                "seccomp": 277, "bpf": 280, "userfaultfd": 282},
}
for _table in SYSCALLS.values():  # numbered alike on both
    _table.update(io_uring_setup=425, io_uring_enter=426, io_uring_register=427, open_tree=428, move_mount=429,
                  fsopen=430, fsconfig=431, fsmount=432, fspick=433, clone3=435, mount_setattr=442)
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
CLONE_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000
WORKER_DENIED = ("socket", "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree",
                 "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "ptrace",
                 "process_vm_readv", "process_vm_writev", "io_uring_setup", "io_uring_enter", "io_uring_register",
                 "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd")

_LD_ABS, _JEQ, _JGE, _JSET, _RET = 0x20, 0x15, 0x35, 0x45, 0x06
_ALLOW, _KILL_PROCESS, _ERRNO = 0x7FFF0000, 0x80000000, 0x00050000
_SET_MODE_FILTER, _FLAG_TSYNC = 1, 1


class _Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint16), ("jt", ctypes.c_uint8), ("jf", ctypes.c_uint8), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def supported() -> bool:
    return platform.machine() in SYSCALLS


def program(denied: tuple[str, ...], clone_flags: int = CLONE_NAMESPACES) -> list[tuple[int, int, int, int]]:
    """The filter as (code, jt, jf, k): refuse `denied`, clone with any of `clone_flags`, and clone3."""
    machine = platform.machine()
    numbers = SYSCALLS[machine]
    code = [(_LD_ABS, 0, 0, 4), (_JEQ, 1, 0, AUDIT_ARCH[machine]), (_RET, 0, 0, _KILL_PROCESS), (_LD_ABS, 0, 0, 0)]
    if machine == "x86_64":
        code += [(_JGE, 0, 1, 0x40000000), (_RET, 0, 0, _KILL_PROCESS)]  # the x32 ABI
    code += [(_JEQ, 0, 1, numbers["clone3"]), (_RET, 0, 0, _ERRNO | errno.ENOSYS)]
    for name in denied:
        code += [(_JEQ, 0, 1, numbers[name]), (_RET, 0, 0, _ERRNO | errno.EPERM)]
    code += [(_JEQ, 0, 3, numbers["clone"]), (_LD_ABS, 0, 0, 16),  # clone's flags: the low half of args[0]
             (_JSET, 0, 1, clone_flags), (_RET, 0, 0, _ERRNO | errno.EPERM), (_RET, 0, 0, _ALLOW)]
    return code


def install(denied: tuple[str, ...] = WORKER_DENIED) -> None:
    """Refuse these calls from now on, in every thread of this process and in all it starts.

    Needs no_new_privs (or CAP_SYS_ADMIN); raises OSError when the kernel refuses the filter."""
    code = program(denied)
    instructions = (_Instruction * len(code))(*(_Instruction(*i) for i in code))
    prog = _Program(len(code), instructions)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(SYSCALLS[platform.machine()]["seccomp"], _SET_MODE_FILTER, _FLAG_TSYNC, ctypes.byref(prog)) != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"seccomp filter refused: {errno.errorcode.get(number, number)}")
