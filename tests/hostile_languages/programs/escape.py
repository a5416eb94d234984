# Calls what could leave the box through the C library (ctypes); stdin names the call:
# unshare, mount, ptrace, chroot, setns or bpf. Prints the result if the call returns at all.
import ctypes
import sys

libc = ctypes.CDLL(None, use_errno=True)
call = sys.stdin.read().strip()
if call == "unshare":
    result = libc.unshare(0x00020000 | 0x10000000)  # CLONE_NEWNS | CLONE_NEWUSER
elif call == "mount":
    result = libc.mount(b"none", b"/box", b"tmpfs", 0, None)
elif call == "ptrace":
    result = libc.ptrace(16, 1, None, None)  # PTRACE_ATTACH to the box's PID 1
elif call == "chroot":
    result = libc.chroot(b"/tmp")
elif call == "setns":
    result = libc.setns(0, 0)
elif call == "bpf":
    result = libc.syscall(321, 0, None, 0)  # bpf(BPF_MAP_CREATE, NULL, 0)
print(call, result, ctypes.get_errno())
