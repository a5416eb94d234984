# The job that follows every attack: it must see a slot with nothing left of the attack, i.e.
# only itself in /proc, only its own source in /box, an empty /tmp. Prints "clean" or why not.
import os

problems = []
me = os.getpid()
others = sorted(int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != me)
if others:
    problems.append("other processes %s" % others)
box = sorted(os.listdir("/box"))
if box != ["main.py"]:
    problems.append("/box holds %s" % box)
tmp = sorted(os.listdir("/tmp"))
if tmp:
    problems.append("/tmp holds %s" % tmp)
print("; ".join(problems) if problems else "clean")
