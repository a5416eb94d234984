#!/usr/bin/env python3
"""Results a client can trust: verdicts that do not depend on the node's load, memory figures
that are never 0, one numbering of test cases, skipped test cases shown as such, and output
bytes that are not UTF-8 flagged or given exactly in base64."""
import base64
import os
import sys
import unittest

from api_support import EventStream, Server, WebhookReceiver

# Burns 0.5 s of CPU time (clock() is the process's CPU time) under a 1 s limit: a margin of 2x.
C_HALF_LIMIT = {"language": "c", "limits": {"time": 1}, "code": r"""
#include <stdio.h>
#include <time.h>
int main(void) {
  volatile unsigned long spins = 0;
  while (clock() < CLOCKS_PER_SEC / 2) spins++;
  puts("done");
  return 0;
}
"""}
# Burns 0.4 s of CPU time (plus the interpreter's start) under a 1 s limit.
PYTHON_LOOP = {"language": "python", "limits": {"time": 1}, "code": (
    "import time\nwhile time.process_time() < 0.4:\n    pass\nprint('done')\n")}
# Spins forever: its CPU limit ends it, long before the wall limit (3 x 200 ms + 2 s).
C_OVER_LIMIT = {"language": "c", "limits": {"time": "200ms"},
                "code": "int main(void) { for (;;) {} }\n"}
# Uses no CPU at all: only the wall limit (3 x 300 ms + 2 s) can end it.
SLEEPER = {"language": "python", "limits": {"time": "300ms"},
           "code": "import time\ntime.sleep(60)\n"}
# Keeps its slot's whole CPU share busy for 3 s of CPU time, then is TLE.
HOG = {"language": "c", "limits": {"time": 3}, "code": "int main(void) { for (;;) {} }\n"}

PROBES = [C_HALF_LIMIT, PYTHON_LOOP, C_OVER_LIMIT, SLEEPER]
EXPECTED = [("AC", None), ("AC", None), ("TLE", "cpu_time"), ("TLE", "wall_time")]


def outcome(job):
    test = job["result"]["tests"][0]
    return test["verdict"], test["limitExceeded"]


def final_event(server, job_id):
    """The data of the job's last `state` event: the stream ends with the final one."""
    stream = EventStream(server, job_id, 120)
    try:
        events = list(iter(stream.next_event, None))
    finally:
        stream.close()
    return events, events[-1][1]


class LoadTest(unittest.TestCase):
    def assert_consistent(self, job):
        """A run over its wall limit is never AC, and a run that ran reports its memory."""
        limits = job["result"]["limits"]
        for test in job["result"]["tests"]:
            self.assertFalse(test["verdict"] == "AC" and test["wallMs"] > limits["wallTimeMs"],
                             test)
            self.assertGreater(test["memoryKb"], 0, test)

    def test_verdicts_are_the_same_alone_and_with_every_slot_busy(self):
        with Server(env={"LOG_LEVEL": "warn"}) as server:
            # The default: one slot per CPU this node may use, so slots never wait for a core.
            slots = server.request("GET", "/api/stats").json["slots"]["total"]
            self.assertEqual(slots, len(os.sched_getaffinity(0)))

            alone = [server.run(probe) for probe in PROBES]
            self.assertEqual([outcome(job) for job in alone], EXPECTED,
                             [job["result"] for job in alone])

            # Every probe runs beside hogs that keep every other slot's share busy, with more
            # hogs queued behind them.
            ids = []
            hogs = []
            for probe in PROBES:
                hogs += [server.submit(HOG).json["jobId"] for _ in range(slots)]
                ids.append(server.submit(probe).json["jobId"])
            hogs += [server.submit(HOG).json["jobId"] for _ in range(slots)]
            loaded = [server.wait_final(job_id, 300) for job_id in ids]
            self.assertEqual([outcome(job) for job in loaded], EXPECTED,
                             [job["result"] for job in loaded])
            for job in alone + loaded:
                self.assert_consistent(job)
            sleeper = loaded[-1]["result"]
            self.assertEqual(sleeper["limits"]["wallTimeMs"], 3 * 300 + 2000)
            self.assertIn("slept", sleeper["tests"][0]["message"])
            for job_id in hogs:  # By CPU time, or by wall time where the machine starved them.
                self.assertEqual(outcome(server.wait_final(job_id, 300))[0], "TLE")


class MemoryTest(unittest.TestCase):
    def test_every_short_c_and_cpp_run_reports_its_memory(self):
        programs = {
            "c": "#include <stdio.h>\nint main(void) { puts(\"x\"); return 0; }\n",
            "cpp": "#include <cstdio>\nint main() { std::puts(\"x\"); }\n",
        }
        with Server(env={"LOG_LEVEL": "warn"}) as server:
            for language, code in programs.items():
                job = server.run({"language": language, "code": code,
                                  "testCases": [{"input": str(i)} for i in range(40)]}, 300)
                tests = job["result"]["tests"]
                self.assertEqual(len(tests), 40)
                for test in tests:
                    self.assertEqual(test["verdict"], "AC", test)
                    self.assertGreater(test["memoryKb"], 0, (language, test))


WRONG_SECOND = "n = int(input())\nprint(n + 1 if n == 7 else n)\n"
# Prints bytes that are not UTF-8 to stdout, and valid text to stderr.
BINARY_OUTPUT = ("import sys\nsys.stdout.buffer.write(b'A\\xff\\xfeB\\n')\n"
                 "sys.stderr.write('fine\\n')\n")


class ResultShapeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = WebhookReceiver()
        cls.server = Server(env={"LOG_LEVEL": "warn", "WEBHOOK_ALLOW_PRIVATE": "true"})

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        cls.receiver.close()

    def judged(self, job):
        """The job as GET, the final event and the webhook show it, and its `test` events."""
        job_id, events, final = self.watched_from_the_start(job)
        got = self.server.job(job_id)
        hooks = []
        for _ in range(30):  # The webhook is sent after the final state: wait for it a while.
            hooks = self.receiver.by_job().get(job_id, [])
            if hooks:
                break
            self.receiver.wait(len(self.receiver.received) + 1, 1)
        self.assertTrue(hooks, "no webhook for job " + job_id)
        tests = [data["test"] for name, data in events if name == "test"]
        return [got, final, hooks[0]], tests

    def watched_from_the_start(self, job, attempts=10):
        """Submits `job` until its event stream starts before any test has finished: tests that
        finished before a client subscribed are not replayed (docs/api.md), and a quick job can
        finish between the submission and the subscription."""
        for _ in range(attempts):
            job_id = self.server.submit({**job, "callbackUrl": self.receiver.url}).json["jobId"]
            events, final = final_event(self.server, job_id)
            first = events[0][1]
            if events[0][0] == "state" and (first.get("progress") or {}).get("done", 0) == 0 \
                    and first["state"] not in ("completed", "failed", "cancelled"):
                return job_id, events, final
        self.fail(f"no stream of {attempts} jobs started before their first test finished")

    def test_test_cases_are_numbered_from_zero_everywhere(self):
        cases = [{"input": str(n), "expectedOutput": str(n)} for n in (3, 7, 9)]
        views, tests = self.judged({"language": "python", "code": WRONG_SECOND,
                                    "testCases": cases})
        for job in views:
            result = job["result"]
            self.assertEqual(result["verdict"], "WA")
            self.assertTrue(result["message"].startswith("test 1: "), result["message"])
            self.assertEqual([t["index"] for t in result["tests"]], [0, 1, 2])
            self.assertEqual(result["tests"][1]["verdict"], "WA")
        self.assertEqual(sorted((t["index"], t["verdict"]) for t in tests),
                         [(0, "AC"), (1, "WA"), (2, "AC")])

    def test_tests_not_run_after_a_failure_are_skipped_and_counted(self):
        cases = [{"input": str(n), "expectedOutput": str(n)} for n in (7, 3, 9)]
        views, tests = self.judged({"language": "python", "code": WRONG_SECOND,
                                    "testCases": cases, "stopOnFirstFailure": True})
        for job in views:
            self.assertEqual(job["progress"], {"done": 1, "skipped": 2, "total": 3})
            result = job["result"]
            self.assertEqual((result["passed"], result["skipped"], result["total"]), (0, 2, 3))
            self.assertEqual([(t["index"], t["verdict"]) for t in result["tests"]],
                             [(0, "WA"), (1, "SKIPPED"), (2, "SKIPPED")])
            self.assertEqual(result["tests"][2]["message"], "not run: test 0 failed")
        self.assertEqual([(t["index"], t["verdict"]) for t in tests], [(0, "WA")])

    def test_bytes_that_are_not_utf8_are_flagged_or_given_in_base64(self):
        views, tests = self.judged({"language": "python", "code": BINARY_OUTPUT})
        for test in [job["result"]["tests"][0] for job in views] + tests:
            self.assertEqual(test["outputEncoding"], "text")
            self.assertEqual(test["stdout"], "A\ufffd\ufffdB\n")
            self.assertEqual((test["stdoutLossy"], test["stderrLossy"]), (True, False))

        views, tests = self.judged({"language": "python", "code": BINARY_OUTPUT,
                                    "outputEncoding": "base64"})
        for test in [job["result"]["tests"][0] for job in views] + tests:
            self.assertEqual(test["outputEncoding"], "base64")
            self.assertEqual(base64.b64decode(test["stdout"]), b"A\xff\xfeB\n")
            self.assertEqual(base64.b64decode(test["stderr"]), b"fine\n")
            self.assertEqual((test["stdoutLossy"], test["stderrLossy"]), (False, False))

    def test_an_unknown_output_encoding_is_refused(self):
        response = self.server.request("POST", "/api/execute", {
            "language": "python", "code": "print(1)", "outputEncoding": "hex"})
        self.assertEqual(response.status, 400)
        self.assertEqual(response.json["error"]["code"], "invalid_field")
        self.assertIn("outputEncoding", response.json["error"]["message"])


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
