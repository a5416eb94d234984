#!/usr/bin/env python3
"""Job life cycle through the REST API: cancel, priorities, queue bound, retries, events."""
import sys
import time
import unittest

from api_support import SLEEPER, EventStream, Server


def quick(text, priority="normal"):
    return {"language": "python", "code": f"print({text!r})", "priority": priority}


class CancelTest(unittest.TestCase):
    def test_cancel_a_queued_job_then_a_running_one(self):
        with Server("--workers", "1") as server:
            running = server.submit(SLEEPER).json["jobId"]
            server.wait_state(running, "active")
            queued = server.submit(quick("later")).json["jobId"]
            self.assertEqual(server.job(queued)["state"], "queued")

            response = server.request("DELETE", f"/api/jobs/{queued}")
            self.assertEqual(response.status, 200, response)
            self.assertEqual(response.json["state"], "cancelled")
            self.assertEqual(server.job(queued)["state"], "cancelled")

            started = time.monotonic()
            response = server.request("DELETE", f"/api/jobs/{running}")
            self.assertEqual(response.status, 200, response)
            self.assertEqual(response.json["state"], "cancelled")
            # The slot is free again long before the sleeper's 30 s: a new job runs to the end.
            after = server.run(quick("after"), timeout=20)
            self.assertEqual(after["state"], "completed")
            self.assertEqual(after["result"]["tests"][0]["stdout"], "after\n")
            self.assertLess(time.monotonic() - started, 20)
            self.assertEqual(server.job(running)["state"], "cancelled")
            self.assertIsNone(server.job(running)["result"])

    def test_cancel_answers_404_for_unknown_and_409_for_finished_jobs(self):
        with Server("--workers", "1") as server:
            done = server.run(quick("x"))
            response = server.request("DELETE", f"/api/jobs/{done['jobId']}")
            self.assertEqual(response.status, 409, response)
            self.assertEqual(response.json["error"]["code"], "job_finished")
            response = server.request("DELETE", "/api/jobs/0f8e2a6c-1b2d-4c3e-9f00-123456789abc")
            self.assertEqual(response.status, 404, response)
            self.assertEqual(response.json["error"]["code"], "job_not_found")
            self.assertEqual(server.request("GET", "/api/jobs/nope").status, 404)


class SchedulingTest(unittest.TestCase):
    def test_one_slot_runs_high_before_normal_before_low_in_arrival_order(self):
        with Server("--workers", "1") as server:
            blocker = server.submit(
                {"language": "python", "code": "import time\ntime.sleep(1.5)"}).json["jobId"]
            server.wait_state(blocker, "active")
            order = [("low", "l1"), ("normal", "n1"), ("high", "h1"), ("low", "l2"),
                     ("high", "h2"), ("normal", "n2")]
            ids = {name: server.submit(quick(name, priority)).json["jobId"]
                   for priority, name in order}
            finished = {name: server.wait_final(job_id) for name, job_id in ids.items()}
            ran = sorted(finished, key=lambda name: finished[name]["startedAt"])
            self.assertEqual(ran, ["h1", "h2", "n1", "n2", "l1", "l2"])
            for name, job in finished.items():
                self.assertEqual(job["result"]["verdict"], "AC", job)

    def test_a_full_queue_answers_503_queue_full_with_retry_after(self):
        with Server("--workers", "1", "--queue-max-depth", "2") as server:
            running = server.submit(SLEEPER).json["jobId"]
            server.wait_state(running, "active")
            server.submit(quick("one"))
            server.submit(quick("two"))
            response = server.request("POST", "/api/execute", quick("three"))
            self.assertEqual(response.status, 503, response)
            self.assertEqual(response.json["error"]["code"], "queue_full")
            self.assertGreaterEqual(int(response.headers["retry-after"]), 1)
            server.request("DELETE", f"/api/jobs/{running}")

    def test_test_cases_of_one_job_use_free_slots_side_by_side(self):
        with Server("--workers", "3") as server:
            # Each run prints when it started and ended; side by side means the intervals meet.
            job = {"language": "python",
                   "code": "import time\nstart = time.time()\ntime.sleep(1)\n"
                           "print(start, time.time())",
                   "testCases": [{"input": str(i)} for i in range(3)]}
            final = server.run(job)
            self.assertEqual(final["result"]["verdict"], "AC", final)
            spans = [[float(x) for x in t["stdout"].split()] for t in final["result"]["tests"]]
            self.assertEqual(len(spans), 3)
            self.assertLess(max(start for start, end in spans), min(end for start, end in spans))


class RetryTest(unittest.TestCase):
    def test_internal_errors_are_retried_and_the_job_completes(self):
        with Server("--inject-internal-errors", "2", "--retry-backoff", "50ms") as server:
            job = server.run(quick("third time lucky"))
            self.assertEqual(job["state"], "completed", job)
            self.assertEqual(job["attempts"], 3)
            self.assertEqual(job["result"]["tests"][0]["stdout"], "third time lucky\n")

    def test_after_the_last_attempt_the_job_fails_with_the_reason(self):
        with Server("--inject-internal-errors", "5", "--max-attempts", "3",
                    "--retry-backoff", "50ms") as server:
            job = server.run(quick("never"))
            self.assertEqual(job["state"], "failed", job)
            self.assertEqual(job["attempts"], 3)
            self.assertIn("internal error after 3 attempts", job["failedReason"])
            self.assertIsNone(job["result"])

    def test_the_users_own_errors_are_not_retried(self):
        with Server("--retry-backoff", "50ms") as server:
            job = server.run({"language": "python", "code": "raise SystemExit(3)"})
            self.assertEqual(job["state"], "completed")
            self.assertEqual(job["result"]["verdict"], "RE")
            self.assertEqual(job["attempts"], 1)


class ExitStatusTest(unittest.TestCase):
    def test_exit_code_is_null_when_a_signal_ended_the_program(self):
        with Server() as server:
            exited = server.run({"language": "python", "code": "raise SystemExit(3)"})
            test = exited["result"]["tests"][0]
            self.assertEqual((test["exitCode"], test["signal"]), (3, None), test)
            killed = server.run({"language": "python",
                                 "code": "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)"})
            test = killed["result"]["tests"][0]
            self.assertEqual(killed["result"]["verdict"], "RE", killed)
            self.assertEqual((test["exitCode"], test["signal"]), (None, "SIGSEGV"), test)


def read_events(server, job_id, timeout=60):
    """The events of a job's stream as (event, data) pairs, until the server closes it."""
    stream = EventStream(server, job_id, timeout)
    try:
        return list(iter(stream.next_event, None))
    finally:
        stream.close()


class EventsTest(unittest.TestCase):
    def test_the_stream_shows_each_state_and_each_test_then_closes(self):
        with Server("--workers", "1") as server:
            blocker = server.submit(
                {"language": "python", "code": "import time\ntime.sleep(1)"}).json["jobId"]
            server.wait_state(blocker, "active")
            job = {"language": "python", "code": "print(int(input()) * 2)",
                   "testCases": [{"input": "1", "expectedOutput": "2"},
                                 {"input": "2", "expectedOutput": "4"},
                                 {"input": "3", "expectedOutput": "7"}]}
            job_id = server.submit(job).json["jobId"]
            events = read_events(server, job_id)
            kinds = [(name, data.get("state")) for name, data in events]
            self.assertEqual(kinds, [("state", "queued"), ("state", "active"), ("test", None),
                                     ("test", None), ("test", None), ("state", "completed")])
            tests = [data["test"] for name, data in events if name == "test"]
            self.assertEqual(sorted(t["verdict"] for t in tests), ["AC", "AC", "WA"])
            self.assertEqual([data["progress"]["done"] for name, data in events if name == "test"],
                             [1, 2, 3])
            final = events[-1][1]
            self.assertEqual(final["result"]["verdict"], "WA")
            self.assertEqual(final["progress"], {"done": 3, "skipped": 0, "total": 3})

    def test_a_finished_job_streams_its_final_state_once(self):
        with Server() as server:
            job = server.run(quick("done"))
            events = read_events(server, job["jobId"])
            self.assertEqual(len(events), 1)
            self.assertEqual(events[0][1]["state"], "completed")
            response = server.request("GET",
                                      "/api/jobs/0f8e2a6c-1b2d-4c3e-9f00-123456789abc/events")
            self.assertEqual(response.status, 404)


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
