#!/usr/bin/env python3
"""A caller of `codearena run` against the next caller: the keeper one call leaves parked
(docs/sandbox.md, "Parked keeper") must hand the next call's program nothing of the caller
before, neither its process state nor its descriptors."""
import ctypes
import json
import os
import subprocess
import tempfile
import unittest

from box_keepers import keepers_whose_parent_is_this_process

CODEARENA = os.environ["CODEARENA"]

# What a program finds of the process state it inherits through its keeper: umask, allowed
# CPUs, personality (address space randomization), nice value and the limits nothing sets.
INVENTORY = ("grep -E '^(Umask|Cpus_allowed_list):' /proc/self/status; "
             "cat /proc/self/personality; cut -d' ' -f19 /proc/self/stat; "
             "grep -E '^Max (processes|pending signals|data size|resident set|locked memory)' "
             "/proc/self/limits")

PR_SET_CHILD_SUBREAPER = 36


def inventory(*wrapper):
    done = subprocess.run([*wrapper, CODEARENA, "run", "--", "/bin/sh", "-c", INVENTORY],
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert result["status"] == "ok", result
    return result["stdout"]


class ParkedKeeperCallerTest(unittest.TestCase):
    def test_a_call_finds_its_own_callers_process_state_whoever_called_before(self):
        own = inventory()
        other = inventory("/bin/sh", "-c", 'umask 077; exec "$@"', "sh",
                          "nice", "-n", "10", "setarch", "-R", "taskset", "-c", "0",
                          "prlimit", "--nproc=500", "--sigpending=7", "--data=1000000000",
                          "--rss=1000000000", "--memlock=4096")
        self.assertNotEqual(other, own)  # The other caller's state reaches its own program...
        self.assertEqual(inventory(), own)  # ...and no other.

    def test_a_parked_keeper_holds_nothing_the_caller_had_open(self):
        libc = ctypes.CDLL(None, use_errno=True)
        self.assertEqual(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0)
        self.addCleanup(libc.prctl, PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        # A setup of this test's own: the call starts a keeper, which is left to this test.
        folder = self.enterContext(tempfile.TemporaryDirectory(dir="/var/tmp"))
        held = self.enterContext(tempfile.TemporaryFile(dir=folder))
        caller = subprocess.Popen([CODEARENA, "run", "--read-only", folder, "--", "/bin/true"],
                                  stdin=held, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  pass_fds=(held.fileno(),))
        caller_pipes = {f"pipe:[{os.fstat(end.fileno()).st_ino}]"
                        for end in (caller.stdout, caller.stderr)}
        out, err = caller.communicate(timeout=60)
        self.assertEqual(caller.returncode, 0, err.decode())
        self.assertEqual(json.loads(out)["status"], "ok")
        [keeper] = keepers_whose_parent_is_this_process()
        self.addCleanup(os.waitid, os.P_PID, keeper, os.WEXITED)
        self.addCleanup(os.kill, keeper, 9)
        held_file = f"/proc/self/fd/{held.fileno()}"
        held_identity = (os.stat(held_file).st_dev, os.stat(held_file).st_ino)
        for fd in os.listdir(f"/proc/{keeper}/fd"):
            path = f"/proc/{keeper}/fd/{fd}"
            target = os.readlink(path)
            self.assertNotIn(target, caller_pipes, fd)
            identity = os.stat(path)
            self.assertNotEqual((identity.st_dev, identity.st_ino), held_identity, fd)


if __name__ == "__main__":
    unittest.main(verbosity=2)
