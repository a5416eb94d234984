"""Lists every descriptor above 2 this program started with, with what it is, and exits 1 if
there is any: a sandboxed program must start with exactly stdin, stdout and stderr.

Two views, so that neither a missing /proc nor one that hides entries can hide a descriptor:
the entries of /proc/self/fd, and os.fstat on every number from 3 to 1023."""
import os
import sys


def is_open(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


def listed():
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        print("/proc/self/fd cannot be listed; probing only")
        return set()
    # The listing's own descriptor is among the names, and closed by now.
    return {int(name) for name in names if int(name) > 2 and is_open(int(name))}


def describe(fd):
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return "unknown: no /proc entry"


found = sorted(listed() | {fd for fd in range(3, 1024) if is_open(fd)})
for fd in found:
    print(f"inherited fd {fd}: {describe(fd)}")
if not found:
    print("no descriptor above 2 was inherited")
sys.exit(1 if found else 0)
