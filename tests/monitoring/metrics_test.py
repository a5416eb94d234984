#!/usr/bin/env python3
"""The metrics a dashboard and the alert rules read (docs/monitoring.md), scraped from a real
`codearena serve` after real jobs: every series the rules and dashboards use exists, carries
bounded labels only, and counts what happened."""
import re
import sys
import time
import unittest

from api_support import Server, WebhookReceiver
from scrape import Scrape, wait_for_scrape

ADD_ONE = "int main() { int x; if (scanf(\"%d\", &x) != 1) return 1; printf(\"%d\\n\", x + 1); }"
JOBS = [
    {"language": "python", "code": "print(input())",
     "testCases": [{"input": "1", "expectedOutput": "1"}]},
    {"language": "python", "code": "print(2)",
     "testCases": [{"input": "1", "expectedOutput": "1"}]},
    # The same C program twice: compiled once, then taken from the compile cache.
    {"language": "c", "code": ADD_ONE, "testCases": [{"input": "1", "expectedOutput": "2"}]},
    {"language": "c", "code": ADD_ONE, "testCases": [{"input": "2", "expectedOutput": "3"}]},
    {"language": "c", "code": "int main() { return undeclared; }"},
]
JOB_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


class JobMetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = WebhookReceiver()
        cls.server = Server("--workers", "2", env={"WEBHOOK_ALLOW_PRIVATE": "true"})
        cls.results = [cls.server.run(job) for job in JOBS]
        cls.server.run({"language": "python", "code": "print(1)", "callbackUrl": cls.receiver.url})
        cls.server.submit({"language": "python", "code": "print(1)"}, "?wait=true")
        cls.server.request("GET", "/api/jobs/no-such-job")
        cls.server.request("GET", "/api/jobs/another-unknown-job")
        cls.job_id = cls.results[0]["jobId"]
        cls.scrape = wait_for_scrape(
            cls.server, lambda s: s.samples("codearena_webhook_deliveries_total",
                                            outcome="delivered") == [1])

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.receiver.close()

    def test_the_jobs_ran_as_the_metrics_expect(self):
        verdicts = [job["result"]["verdict"] for job in self.results]
        self.assertEqual(verdicts, ["AC", "WA", "AC", "AC", "CE"])

    def test_jobs_by_language_state_and_verdict(self):
        jobs = lambda **labels: self.scrape.value("codearena_jobs_total", **labels)
        # Python AC: the first job, the webhook's and the waiting submission's.
        self.assertEqual(jobs(language="python", state="completed", verdict="AC"), 3)
        self.assertEqual(jobs(language="python", state="completed", verdict="WA"), 1)
        self.assertEqual(jobs(language="c", state="completed", verdict="AC"), 2)
        self.assertEqual(jobs(language="c", state="completed", verdict="CE"), 1)

    def test_queue_wait_compile_and_run_durations_by_language(self):
        count = lambda family, **labels: sum(self.scrape.samples(family, family + "_count",
                                                                 **labels))
        self.assertEqual(count("codearena_job_queue_wait_seconds", language="python"), 4)
        self.assertEqual(count("codearena_job_queue_wait_seconds", language="c"), 3)
        self.assertEqual(count("codearena_job_run_duration_seconds", language="c", verdict="AC"), 2)
        self.assertEqual(count("codearena_job_run_duration_seconds", language="c", verdict="CE"), 1)
        self.assertEqual(count("codearena_job_run_duration_seconds", language="python",
                               verdict="WA"), 1)
        # Every C job compiled (or looked its program up); Python jobs have no compilation.
        self.assertEqual(count("codearena_job_compile_duration_seconds", language="c"), 3)
        self.assertEqual(count("codearena_job_compile_duration_seconds", language="python"), 0)
        self.assertGreater(self.scrape.value("codearena_job_compile_duration_seconds",
                                             "codearena_job_compile_duration_seconds_sum",
                                             language="c"), 0)

    def test_compile_cache_hits_and_misses(self):
        lookups = lambda result: self.scrape.value("codearena_compile_cache_lookups_total",
                                                   language="c", result=result)
        self.assertEqual(lookups("hit"), 1)
        self.assertEqual(lookups("miss"), 2)
        self.assertEqual(self.scrape.samples("codearena_compile_cache_lookups_total",
                                             language="python"), [])

    def test_queue_depth_by_priority_and_every_language_of_the_table(self):
        table = self.server.request("GET", "/api/languages").json["languages"]
        languages = {language["id"] for language in table}
        self.assertIn("javascript", languages)
        samples = self.scrape.families["codearena_queue_depth_jobs"]["samples"]
        series = {(labels["priority"], labels["language"]): number
                  for _, labels, number in samples}
        self.assertEqual(len(series), len(samples))
        self.assertEqual(set(series), {(priority, language) for language in languages
                                       for priority in ("high", "normal", "low")})
        # Every job has finished: the queues are empty, and a language never used is exported.
        self.assertEqual(set(series.values()), {0})

    def test_slots_busy_and_free(self):
        self.assertEqual(self.scrape.value("codearena_slots", state="busy"), 0)
        self.assertEqual(self.scrape.value("codearena_slots", state="free"), 2)

    def test_internal_errors_are_exported_at_zero(self):
        self.assertEqual(self.scrape.value("codearena_sandbox_internal_errors_total"), 0)

    def test_http_requests_by_route_template_never_the_raw_path(self):
        unknown = self.scrape.samples("codearena_http_requests_total", route="/api/jobs/:id",
                                      method="GET", status="404")
        self.assertEqual(unknown, [2])
        routes = {labels["route"] for _, labels, _ in
                  self.scrape.families["codearena_http_requests_total"]["samples"]}
        self.assertIn("/api/execute", routes)
        # A submission that waits for its job is timed apart: its duration is the job's.
        self.assertEqual(self.scrape.samples("codearena_http_requests_total",
                                             route="/api/execute?wait=true"), [1])
        self.assertFalse([route for route in routes if "unknown" in route], routes)

    def test_webhook_outcomes(self):
        self.assertEqual(self.scrape.value("codearena_webhook_deliveries_total",
                                           outcome="delivered"), 1)

    def test_store_writes_are_timed(self):
        writes = self.scrape.value("codearena_store_write_duration_seconds",
                                   "codearena_store_write_duration_seconds_count", store="memory")
        self.assertGreaterEqual(writes, 1)
        self.assertEqual(self.scrape.value("codearena_store_unavailable_total", store="memory"), 0)

    def test_cluster_counters_start_at_zero(self):
        self.assertEqual(self.scrape.value("codearena_cluster_nodes_lost_total"), 0)
        self.assertEqual(self.scrape.value("codearena_cluster_leader_changes_total"), 0)
        self.assertEqual(self.scrape.value("codearena_cluster_leader_up"), 1)

    def test_process_memory_and_descriptors_under_the_standard_names(self):
        resident = self.scrape.value("process_resident_memory_bytes")
        self.assertGreater(resident, 1 << 20)
        self.assertGreater(self.scrape.value("process_virtual_memory_bytes"), resident)
        open_fds = self.scrape.value("process_open_fds")
        self.assertGreater(open_fds, 3)
        self.assertGreater(self.scrape.value("process_max_fds"), open_fds)
        self.assertLess(abs(self.scrape.value("process_start_time_seconds") - time.time()), 3600)
        self.assertEqual(self.scrape.families["process_open_fds"]["type"], "gauge")

    def test_labels_are_bounded(self):
        allowed = {"language", "state", "verdict", "route", "method", "status", "budget",
                   "outcome", "priority", "result", "store", "node", "role", "le", "quantile"}
        for family in self.scrape.families.values():
            for _, labels, _ in family["samples"]:
                self.assertLessEqual(set(labels), allowed, labels)
                for value in labels.values():
                    self.assertNotIn(self.job_id, value)
                    self.assertIsNone(JOB_ID.search(value), labels)


class InternalErrorMetricTest(unittest.TestCase):
    def test_internal_errors_and_failed_jobs_are_counted(self):
        flags = ("--inject-internal-errors", "5", "--max-attempts", "3", "--retry-backoff", "50ms")
        with Server(*flags) as server:
            job = server.run({"language": "python", "code": "print(1)"})
            self.assertEqual(job["state"], "failed", job)
            scrape = Scrape(server)
            self.assertEqual(scrape.value("codearena_sandbox_internal_errors_total"), 3)
            self.assertEqual(scrape.value("codearena_jobs_total", language="python",
                                          state="failed", verdict="none"), 1)


class RateLimitMetricTest(unittest.TestCase):
    def test_refusals_are_counted_by_budget(self):
        with Server(env={"API_RATE_LIMIT": "1"}) as server:
            statuses = [server.request("POST", "/api/execute",
                                       {"language": "python", "code": "print(1)"}).status
                        for _ in range(2)]
            self.assertEqual(statuses, [202, 429])
            scrape = Scrape(server)
            self.assertEqual(scrape.value("codearena_http_rate_limited_total",
                                          budget="submissions"), 1)
            self.assertEqual(scrape.value("codearena_http_requests_total",
                                          route="/api/execute", method="POST", status="429"), 1)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:])
