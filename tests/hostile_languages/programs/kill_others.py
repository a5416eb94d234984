# Signals processes outside itself: kill(-1, SIGKILL) (everything it may signal) and
# kill(1, SIGKILL) (the box's init), then says it survived.
import os
import signal

for target in (-1, 1):
    try:
        os.kill(target, signal.SIGKILL)
        print("kill", target, "ok")
    except OSError as error:
        print("kill", target, "failed", error.strerror)
print("survived")
