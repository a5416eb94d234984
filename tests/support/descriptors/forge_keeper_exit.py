"""Treats every descriptor from 3 to 64 as the box keeper's control socket and sends it a forged
report "the program exited with status 0" (sandbox/wire.h: the type byte kExited = 7, then the
u64 fields status, wall time, number of collected files and length of the problems text, all 0),
then spins. A program must have no channel to its supervisor: the run still ends at the CPU
time limit."""
import socket

FORGED_EXIT = bytes([7]) + bytes(4 * 8)

for fd in range(3, 65):
    try:
        channel = socket.socket(fileno=fd)
    except OSError:
        continue
    try:
        if channel.send(FORGED_EXIT, socket.MSG_DONTWAIT) == len(FORGED_EXIT):
            print(f"sent a forged exit report on fd {fd}", flush=True)
    except OSError:
        pass
    finally:
        channel.detach()

while True:
    pass
