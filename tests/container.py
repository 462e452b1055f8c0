"""A simulated Docker container for the uid-tier tests: namespaces refused as Docker's default profile does.

Docker (without CAP_SYS_ADMIN) answers unshare, setns, mount, umount2 and pivot_root with EPERM, clone
with any CLONE_NEW* flag with EPERM, and clone3 with ENOSYS. `enter()` builds that filter with
libseccomp (independent of the kit's own autograder/seccomp.py) and installs it in the calling process,
which passes it on to every process it starts. Before that it gives the process the file-system layout
of a container: HOME (/root, where this machine's Python lives) becomes an empty folder that other users
may traverse but not list, holding only the Python installation, as /usr/bin/python3 is in an image.
`python tests/container.py COMMAND...` runs a command so.
"""
import ctypes
import ctypes.util
import errno
import os
import sys
import tempfile
from pathlib import Path

CLONE_NEW = {"NEWNS": 0x00020000, "NEWCGROUP": 0x02000000, "NEWUTS": 0x04000000, "NEWIPC": 0x08000000,
             "NEWUSER": 0x10000000, "NEWPID": 0x20000000, "NEWNET": 0x40000000}
DENIED = ("unshare", "setns", "mount", "umount2", "pivot_root")
ACT_ALLOW, CMP_MASKED_EQ = 0x7FFF0000, 7


class _ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def library():
    """libseccomp, or None where it is not installed."""
    name = ctypes.util.find_library("seccomp")
    return ctypes.CDLL(name) if name else None


def _mount(source, target, fstype, flags, data=None) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), ctypes.c_ulong(flags),
                  data and data.encode()) != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def _container_home() -> None:
    """A private mount namespace in which HOME holds only the folder of the Python installation."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(0x00020000) != 0:
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNS)")
    bind, rec, private = 4096, 16384, 1 << 18
    _mount(None, "/", None, rec | private)
    home = Path(os.path.expanduser("~")).resolve()
    python = Path(sys.base_prefix).resolve()
    if home not in python.parents:
        return
    keep = home / python.relative_to(home).parts[0]
    staging = tempfile.mkdtemp(prefix="container-")
    _mount(str(keep), staging, None, bind | rec)
    _mount("tmpfs", str(home), "tmpfs", 0, "size=1m,mode=711")
    keep.mkdir()
    _mount(staging, str(keep), None, bind | rec)
    libc.umount2(staging.encode(), 2)
    os.rmdir(staging)


def enter() -> None:
    """Become this simulated container: the layout first, then the seccomp filter."""
    _container_home()
    install()


def install() -> None:
    lib = library()
    if lib is None:
        raise OSError("libseccomp is not installed")
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.c_void_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(ACT_ALLOW)

    def deny(name: str, number: int, *compare: _ArgCmp) -> None:
        array = (_ArgCmp * len(compare))(*compare) if compare else None
        syscall = lib.seccomp_syscall_resolve_name(name.encode())
        if lib.seccomp_rule_add_array(ctx, 0x00050000 | number, syscall, len(compare), array) != 0:
            raise OSError(f"libseccomp refused the rule for {name}")

    for name in DENIED:
        deny(name, errno.EPERM)
    for flag in CLONE_NEW.values():
        deny("clone", errno.EPERM, _ArgCmp(0, CMP_MASKED_EQ, flag, flag))
    deny("clone3", errno.ENOSYS)
    if lib.seccomp_load(ctx) != 0:
        raise OSError("libseccomp could not load the filter")


if __name__ == "__main__":
    enter()
    os.execvp(sys.argv[1], sys.argv[1:])
