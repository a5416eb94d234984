# Memory bomb; stdin names the way: "heap" (bytearrays), "mmap" (anonymous mappings) or "stack"
# (unbounded recursion with the recursion limit lifted). Every page is touched.
import mmap
import sys

mode = sys.stdin.read().strip()
held = []
if mode == "heap":
    while True:
        chunk = bytearray(16 << 20)
        for i in range(0, len(chunk), 4096):
            chunk[i] = 1
        held.append(chunk)
elif mode == "mmap":
    while True:
        mapping = mmap.mmap(-1, 16 << 20)
        for i in range(0, 16 << 20, 4096):
            mapping[i] = 1
        held.append(mapping)
elif mode == "stack":
    sys.setrecursionlimit(10**9)

    def dive(depth):
        return dive(depth + 1) + 1

    dive(0)
print("survived", mode)
