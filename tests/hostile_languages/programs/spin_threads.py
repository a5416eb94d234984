# CPU burn in 8 threads plus the main one (the GIL serialises them: CPU time still runs out).
import threading


def spin():
    while True:
        pass


for _ in range(8):
    threading.Thread(target=spin, daemon=True).start()
spin()
