#!/usr/bin/env python3
"""The sandbox's start-up check: it passes on this machine, and a process that lacks a kernel
facility stops at start naming it and what grants it, not at its first job."""
import os
import socket
import subprocess
import tempfile
import unittest

CODEARENA = os.environ["CODEARENA"]
PRIVILEGES_DOC = "see docs/sandbox.md#privileges"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def without_capability(capability, *args):
    """codearena with `capability` gone from its bounding set: still root, but without it."""
    return subprocess.run(["setpriv", "--bounding-set", f"-{capability}", "--", CODEARENA, *args],
                          capture_output=True, text=True, timeout=120)


class PreflightTest(unittest.TestCase):
    def test_the_check_passes_here(self):
        done = subprocess.run([CODEARENA, "run", "--", "/bin/true"], capture_output=True,
                              text=True, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)

    def test_run_without_cap_sys_admin_names_the_mount_namespace(self):
        # A setup of this test's own: no keeper parked by an earlier call can be adopted.
        with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
            done = without_capability("sys_admin", "run", "--read-only", folder, "--", "/bin/true")
        self.assertNotEqual(done.returncode, 0)
        self.assertIn("cannot create a mount namespace: Operation not permitted", done.stderr)
        self.assertIn("CAP_SYS_ADMIN", done.stderr)
        self.assertIn(PRIVILEGES_DOC, done.stderr)

    def test_serve_without_cap_setuid_names_the_slot_users(self):
        done = without_capability("setuid", "serve", "--host", "127.0.0.1",
                                  "--port", str(free_port()))
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn("cannot switch to a slot's user and group ids", done.stderr)
        self.assertIn("CAP_SETUID", done.stderr)
        self.assertIn(PRIVILEGES_DOC, done.stderr)


if __name__ == "__main__":
    unittest.main()
