#!/usr/bin/env python3
"""`codearena-bench soak` with tiny numbers: the node runs every job, each result comes back
with its output cut and flagged (the bench checks that), and the last line has the figures.
Nothing here depends on how fast the machine is or how much memory the node takes."""
import os
import re
import subprocess
import unittest

BENCH = os.environ["CODEARENA_BENCH"]


class SoakBenchSmokeTest(unittest.TestCase):
    def test_jobs_pass_and_the_last_line_has_the_peak(self):
        done = subprocess.run([BENCH, "soak", "--jobs", "3", "--tests", "2", "--output-mb", "1"],
                              capture_output=True, text=True, timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("output through the node: 6 MB (3 jobs x 2 tests x 1 MB)", done.stdout)
        last = done.stdout.strip().splitlines()[-1]
        match = re.fullmatch(r"soak jobs=3 peak_rss_mb=([0-9.]+)", last)
        self.assertIsNotNone(match, last)
        self.assertGreater(float(match.group(1)), 0)


if __name__ == "__main__":
    unittest.main()
