#!/usr/bin/env python3
"""What operators and careless clients meet: input errors, health, stats, metrics, logs, SIGTERM."""
import json
import sys
import time
import unittest

from api_support import SLEEPER, Server
from scrape import Scrape


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--max-code-size", "1000", "--max-test-cases", "3")

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    def refused(self, body, status, code, headers=None):
        if isinstance(body, dict):
            response = self.server.request("POST", "/api/execute", body, headers)
        else:
            response = self.server.request("POST", "/api/execute", body,
                                           {"Content-Type": "application/json", **(headers or {})})
        self.assertEqual(response.status, status, response)
        self.assertEqual(response.headers["content-type"], "application/json")
        self.assertEqual(set(response.json), {"error"})
        self.assertEqual(set(response.json["error"]), {"code", "message"})
        self.assertEqual(response.json["error"]["code"], code, response)
        self.assertTrue(response.json["error"]["message"])
        return response.json["error"]["message"]

    def test_a_malformed_query_string_is_a_clear_error(self):
        response = self.server.request("POST", "/api/execute?wait=%zz",
                                       {"language": "python", "code": "print(1)"})
        self.assertEqual((response.status, response.json["error"]["code"]),
                         (400, "malformed_target"), response)
        self.assertIn("query string", response.json["error"]["message"])

    def test_the_bad_input_matrix(self):
        ok = {"language": "python", "code": "print(1)"}
        self.refused("{oops", 400, "invalid_json")
        self.refused('"just a string"', 400, "invalid_body")
        self.assertIn("'code'", self.refused({"language": "python"}, 400, "missing_field"))
        self.assertIn("'language'", self.refused({"code": "x"}, 400, "missing_field"))
        self.assertIn("'code'", self.refused({**ok, "code": ["x"]}, 400, "invalid_field"))
        self.refused({**ok, "testCases": "1 2"}, 400, "invalid_field")
        self.refused({**ok, "priority": 1}, 400, "invalid_field")
        self.assertIn("cobol", self.refused({**ok, "language": "cobol"}, 422, "unknown_language"))
        self.assertIn("1000", self.refused({**ok, "code": "#" * 1001}, 413, "code_too_large"))
        self.refused({**ok, "testCases": [{"input": ""}] * 4}, 422, "too_many_tests")
        self.assertIn("limits.memory",
                      self.refused({**ok, "limits": {"memory": "100g"}}, 422, "limit_too_high"))
        self.refused({**ok, "callbackUrl": "file:///etc/passwd"}, 422, "invalid_callback_url")
        self.refused("language=python", 415, "unsupported_media_type",
                     {"Content-Type": "application/x-www-form-urlencoded"})
        self.refused(json.dumps(ok), 415, "unsupported_media_type", {"Content-Type": "text/json"})

    def test_json_media_types_in_any_letter_case_are_accepted(self):
        for content_type in ("application/JSON", "Application/Json; charset=UTF-8"):
            response = self.server.request("POST", "/api/execute",
                                           {"language": "python", "code": "print(1)"},
                                           {"Content-Type": content_type})
            self.assertEqual(response.status, 202, (content_type, response))

    def test_unknown_routes_and_ids_get_json_404s(self):
        for method, path in (("GET", "/api/nothing"), ("GET", "/api/jobs/not-a-uuid"),
                             ("PUT", "/api/nothing")):
            response = self.server.request(method, path)
            self.assertEqual(response.status, 404, (method, path, response))
            self.assertIn("code", response.json["error"])

    def test_service_still_works_after_the_bad_input(self):
        job = self.server.run({"language": "python", "code": "print('fine')"})
        self.assertEqual(job["result"]["tests"][0]["stdout"], "fine\n")


class RateLimitTest(unittest.TestCase):
    def test_submissions_beyond_the_rate_get_429_with_retry_after(self):
        with Server(env={"API_RATE_LIMIT": "3"}) as server:
            job = {"language": "python", "code": "print(1)"}
            for _ in range(3):
                self.assertEqual(server.request("POST", "/api/execute", job).status, 202)
            response = server.request("POST", "/api/execute", job)
            self.assertEqual(response.status, 429, response)
            self.assertEqual(response.json["error"]["code"], "rate_limited")
            self.assertGreaterEqual(int(response.headers["retry-after"]), 1)
            # Reading is not limited.
            self.assertEqual(server.request("GET", "/api/stats").status, 200)


class ObservabilityTest(unittest.TestCase):
    def test_health_ready_stats_metrics_and_logs(self):
        with Server("--workers", "2") as server:
            self.assertEqual(server.request("GET", "/health").json, {"status": "ok"})
            ready = server.request("GET", "/ready")
            self.assertEqual(ready.status, 200)
            self.assertEqual(ready.json["slots"], 2)
            job = server.run({"language": "python", "code": "print(1)"})
            server.run({"language": "c", "code": "int main() { return 1; }"})
            server.request("POST", "/api/execute", "{bad")

            stats = server.request("GET", "/api/stats").json
            self.assertEqual(stats["slots"], {"total": 2, "busy": 0, "free": 2})
            self.assertEqual(stats["jobs"]["completed"], 2)
            self.assertEqual(stats["queue"]["depth"], 0)
            self.assertEqual(set(stats["queue"]["byPriority"]), {"high", "normal", "low"})
            self.assertGreater(stats["throughput"]["jobsPerSecondLastMinute"], 0)
            self.assertEqual(stats["latencyMs"]["samples"], 2)
            self.assertGreater(stats["latencyMs"]["p99"], 0)

            scrape = Scrape(server)
            self.assertTrue(
                scrape.response.headers["content-type"].startswith("text/plain; version=0.0.4"))
            families, value = scrape.families, scrape.value

            self.assertEqual(value("codearena_jobs_total", language="python", verdict="AC"), 1)
            self.assertEqual(value("codearena_jobs_total", language="c", verdict="RE"), 1)
            self.assertEqual(value("codearena_http_requests_total", route="/api/execute",
                                   status="400"), 1)
            self.assertEqual(families["codearena_http_request_duration_seconds"]["type"],
                             "histogram")
            self.assertEqual(value("codearena_slots", state="free"), 2)
            high_queues = scrape.samples("codearena_queue_depth_jobs", priority="high")
            self.assertEqual(set(high_queues), {0})
            self.assertEqual(value("codearena_job_queue_wait_seconds",
                                   "codearena_job_queue_wait_seconds_count", language="python"), 1)
            self.assertEqual(value("codearena_job_run_duration_seconds",
                                   "codearena_job_run_duration_seconds_count", language="c"), 1)
            self.assertIn("codearena_sandbox_internal_errors_total", families)

            lines = server.log_lines()
            requests = [line for line in lines if line["event"] == "http_request"]
            self.assertTrue(any(line["route"] == "/api/execute" and line["status"] == 400
                                for line in requests))
            states = [line["state"] for line in lines
                      if line["event"] == "job_state" and line["jobId"] == job["jobId"]]
            self.assertEqual(states, ["queued", "active", "completed"])
            for line in lines:
                self.assertIn("time", line)
                self.assertIn(line["level"], ("debug", "info", "warn", "error"))

    def test_metrics_can_be_turned_off(self):
        with Server(env={"METRICS_ENABLED": "false"}) as server:
            self.assertEqual(server.request("GET", "/metrics").status, 404)


class ShutdownTest(unittest.TestCase):
    def test_sigterm_lets_running_jobs_finish_and_fails_queued_ones(self):
        with Server("--workers", "1", "--shutdown-grace", "20s") as server:
            running = server.submit({"language": "python",
                                     "code": "import time\ntime.sleep(2)\nprint('finished')"}
                                    ).json["jobId"]
            server.wait_state(running, "active")
            queued = server.submit({"language": "python", "code": "print(2)"}).json["jobId"]
            server.process.send_signal(15)
            # While draining, status still answers and submissions are refused.
            deadline = time.monotonic() + 10
            refused = None
            while time.monotonic() < deadline:
                refused = server.request("POST", "/api/execute",
                                         {"language": "python", "code": "print(3)"})
                if refused.status == 503:
                    break
                time.sleep(0.05)
            self.assertEqual(refused.json["error"]["code"], "shutting_down")
            self.assertEqual(server.request("GET", "/ready").status, 503)
            # The waiting job fails at once (well before the running one's 2 s are over).
            failed = server.wait_state(queued, "failed", timeout=1.5)
            self.assertIn("shut down", failed["failedReason"])
            self.assertEqual(server.process.wait(60), 0)
            lines = server.log_lines()
            final = [line for line in lines if line["event"] == "job_state"
                     and line["jobId"] == running and line["state"] == "completed"]
            self.assertEqual(len(final), 1, lines)
            self.assertEqual(final[0]["verdict"], "AC")
            events = [line["event"] for line in lines]
            self.assertIn("shutdown_started", events)
            self.assertIn("shutdown_finished", events)

    def test_jobs_still_running_after_the_grace_period_fail_with_the_reason(self):
        with Server("--workers", "1", "--shutdown-grace", "500ms") as server:
            running = server.submit(SLEEPER).json["jobId"]
            server.wait_state(running, "active")
            started = time.monotonic()
            self.assertEqual(server.terminate(timeout=60), 0)
            self.assertLess(time.monotonic() - started, 25)
            finished = [line for line in server.log_lines()
                        if line["event"] == "job_state" and line["jobId"] == running
                        and line["state"] == "failed"]
            self.assertEqual(len(finished), 1)
            self.assertIn("grace period", finished[0]["failedReason"])


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
