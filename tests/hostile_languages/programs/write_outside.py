# Writes a file named by stdin into every directory it can think of, plus a symlink in /box
# pointing outside, and prints "<path> OK" or "<path> FAIL <reason>" for each.
import os
import sys

name = sys.stdin.read().strip()
for directory in ["/etc", "/usr", "/usr/lib", "", "/dev", "/proc", "/var/cache/codearena/pch",
                  "/var/cache/codearena/pch/cpp", "/tmp", "/box"]:
    path = directory + "/" + name
    try:
        with open(path, "w") as f:
            f.write("written from the box\n")
        print(path, "OK")
    except OSError as error:
        print(path, "FAIL", error.strerror)
try:
    os.symlink("/etc/" + name + ".link", "/box/link")
    with open("/box/link", "w") as f:
        f.write("through a symlink\n")
    print("/box/link OK")
except OSError as error:
    print("/box/link FAIL", error.strerror)
