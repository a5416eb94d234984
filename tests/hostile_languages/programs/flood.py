# Floods the stream stdin names ("stdout" or "stderr") without end.
import sys

stream = sys.stdout if sys.stdin.read().strip() == "stdout" else sys.stderr
block = "A" * 4096
while True:
    stream.write(block)
