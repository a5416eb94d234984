#!/usr/bin/env python3
"""`codearena-bench languages --api` with tiny numbers: a real node judges a C hello world with a
new source and the same source again (the bench checks AC, the output and that the compile cache
missed, then hit), and the last line has the API figures. Nothing here is timed."""
import os
import re
import subprocess
import unittest

BENCH = os.environ["CODEARENA_BENCH"]
NUMBER = r"-?[0-9]+\.[0-9]+"


class LanguagesBenchApiSmokeTest(unittest.TestCase):
    def test_jobs_through_the_api_pass_and_the_last_line_has_the_api_ratio(self):
        done = subprocess.run(
            [BENCH, "languages", "--api", "--only", "c", "--runs", "1", "--warmup", "0",
             "--back-to-back", "1", "--api-setting", "SPARE_COMPILERS=false"],
            capture_output=True, text=True, timeout=300)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("settings: SPARE_COMPILERS=false", done.stdout)
        self.assertIn("judged = POST /api/execute?wait=true", done.stdout)
        last = done.stdout.strip().splitlines()[-1]
        self.assertRegex(last, rf"^languages c_api_overhead_ms={NUMBER} c_api_ratio={NUMBER} "
                               rf"c_api_back_to_back_ms={NUMBER} c_api_back_to_back_ratio={NUMBER}$")

    def test_a_setting_without_a_value_is_a_usage_error(self):
        done = subprocess.run([BENCH, "languages", "--api", "--api-setting", "SPARE_COMPILERS"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 2, done.stdout + done.stderr)
        self.assertIn("--api-setting wants NAME=value, got 'SPARE_COMPILERS'", done.stderr)


if __name__ == "__main__":
    unittest.main()
