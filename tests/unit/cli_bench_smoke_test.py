#!/usr/bin/env python3
"""`codearena-bench cli` with tiny numbers: real `codearena run` calls (the bench checks each
prints the hello's output with status ok) beside the bare hello and another command, and a line
of ratios per codearena binary. Nothing here depends on how fast the machine is."""
import os
import re
import subprocess
import unittest

BENCH = os.environ["CODEARENA_BENCH"]


def bench(*args):
    return subprocess.run([BENCH, "cli", *args], capture_output=True, text=True, timeout=300)


class CliBenchSmokeTest(unittest.TestCase):
    def test_every_command_is_timed_and_each_codearena_gets_its_ratios(self):
        done = bench("--runs", "3", "--warmup", "1", "--block", "1", "--against", "/bin/true")
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        table = [line.split(None, 4) for line in done.stdout.splitlines()
                 if re.match(r"\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+[0-9.]+\s+\S", line)]
        self.assertEqual([row[4] for row in table][0::2], ["bare hello", "/bin/true"], done.stdout)
        self.assertTrue(table[1][4].endswith("/codearena"), done.stdout)
        ratios = [line for line in done.stdout.splitlines() if line.startswith("cli ")]
        self.assertEqual(len(ratios), 1, done.stdout)
        self.assertRegex(ratios[0], r"^cli \S+/codearena median_us=[0-9.]+ x_bare=[0-9.]+ x_2=[0-9.]+$")

    def test_a_command_that_is_not_a_path_is_refused_before_anything_runs(self):
        done = bench("--runs", "1", "--against", "true")
        self.assertEqual(done.returncode, 2, done.stdout + done.stderr)
        self.assertIn("--against 'true': its first word must be an executable's path", done.stderr)


if __name__ == "__main__":
    unittest.main()
