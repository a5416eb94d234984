"""The short form of the load test (load/load-test.yml with load/load-test-short.json) against
one real `codearena serve` node with its default settings, judged by artillery's JSON report.

Usage: load_test.py ARTILLERY [unittest args]; CODEARENA names the binary.

The threshold is zero: every request answered, none refused, every submitted job followed to
`completed`. The short form sends 40 submissions at about two per second, under the default
API_RATE_LIMIT (100 per minute), far under QUEUE_MAX_DEPTH (1000) and under what one node
judges per second, so no refusal, timeout or failed job is load the node may shed: each one is
a defect. No time is checked; the report's latencies are printed for the log only.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

from api_support import Server

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIO = os.path.join(ROOT, "load", "load-test.yml")
SHORT_FORM = os.path.join(ROOT, "load", "load-test-short.json")
ARTILLERY = None


def run_artillery(target, report_path):
    """Runs the short form of the scenario; returns (exit code, output)."""
    env = dict(os.environ, ARTILLERY_DISABLE_TELEMETRY="true", NO_COLOR="1")
    with open(SHORT_FORM, encoding="utf-8") as short_form:
        overrides = short_form.read()
    process = subprocess.run(
        [ARTILLERY, "run", "--overrides", overrides, "--target", target, "--output", report_path,
         SCENARIO], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        timeout=600)
    return process.returncode, process.stdout


class ShortLoadTest(unittest.TestCase):
    def test_every_request_is_answered_and_every_job_completes(self):
        env = {"API_RATE_LIMIT": "100", "QUEUE_MAX_DEPTH": "1000", "LOG_LEVEL": "warn"}
        with Server(env=env) as node, tempfile.TemporaryDirectory() as scratch:
            report_path = os.path.join(scratch, "report.json")
            code, output = run_artillery(f"http://127.0.0.1:{node.port}", report_path)
            sys.stderr.write(output[-4000:])
            self.assertTrue(os.path.exists(report_path), f"artillery wrote no report:\n{output}")
            with open(report_path, encoding="utf-8") as report_file:
                counters = json.load(report_file)["aggregate"]["counters"]
            errors = {k: v for k, v in counters.items() if k.startswith("errors.")}
            refusals = {k: v for k, v in counters.items() if k.startswith("codearena.refused.")}
            self.assertEqual(errors, {}, "requests without an answer")
            self.assertEqual(refusals, {}, "answers that were not 2xx")
            self.assertEqual(counters.get("vusers.failed", 0), 0)
            self.assertEqual(counters["vusers.created"], counters["vusers.completed"])
            self.assertEqual(counters["http.requests"], counters["http.responses"])
            self.assertGreater(counters["codearena.submitted"], 0)
            self.assertEqual(counters.get("codearena.jobs.completed", 0),
                             counters["codearena.submitted"], "jobs not followed to completed")
            self.assertEqual(code, 0, f"artillery's ensure checks failed:\n{output[-2000:]}")


if __name__ == "__main__":
    ARTILLERY = sys.argv.pop(1)
    unittest.main()
