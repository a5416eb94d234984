#!/usr/bin/env python3
"""GET /api/jobs/:id/events as a browser EventSource uses it: test events in index order even
when parallel slots finish them out of order, an id on every event, and a reconnect with
Last-Event-ID that gets nothing it already has (204 once it has the final state)."""
import json
import sys
import unittest

from api_support import Server

# Test 0 sleeps, so that with four slots tests 1 to 3 finish before it.
OUT_OF_ORDER = {"language": "python",
                "code": "import time\nn = int(input())\nif n == 0:\n    time.sleep(3)\nprint(n)",
                "limits": {"time": 20},
                "testCases": [{"input": str(i), "expectedOutput": str(i)} for i in range(4)]}


def events_of(response):
    """(id, event, data) of every event in an event-stream body read whole."""
    events, fields = [], {}
    for line in response.text.split("\n"):
        if line.startswith(":"):
            continue
        if line == "":
            if "event" in fields:
                events.append((fields.get("id"), fields["event"], json.loads(fields["data"])))
            fields = {}
            continue
        name, _, value = line.partition(": ")
        fields[name] = value
    return events


class StreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server("--workers", "4")

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__()

    def stream(self, job_id, last_event_id=None):
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        return self.server.request("GET", f"/api/jobs/{job_id}/events", headers=headers)

    def test_tests_come_in_index_order_with_ids_and_the_stream_ends(self):
        job_id = self.server.submit(OUT_OF_ORDER).json["jobId"]
        response = self.stream(job_id)
        self.assertEqual(response.status, 200, response)
        events = events_of(response)
        tests = [(event_id, data["test"]["index"], data["progress"]["done"])
                 for event_id, name, data in events if name == "test"]
        self.assertEqual(tests, [("a1-t0", 0, 1), ("a1-t1", 1, 2), ("a1-t2", 2, 3),
                                 ("a1-t3", 3, 4)])
        final_id, final_name, final = events[-1]
        self.assertEqual((final_id, final_name, final["state"]), ("a1-completed", "state",
                                                                    "completed"))
        self.assertTrue(all(event_id for event_id, _, _ in events), events)

        # An EventSource reconnects after the end with the last id it saw: nothing more.
        again = self.stream(job_id, final_id)
        self.assertEqual((again.status, again.text), (204, ""), again)

    def test_a_reconnect_during_the_job_gets_only_what_it_lacks(self):
        job_id = self.server.submit(OUT_OF_ORDER).json["jobId"]
        self.server.wait_state(job_id, "active")
        # A client that had test 0 of attempt 1 (and an id from elsewhere means nothing).
        response = self.stream(job_id, "a1-t0")
        self.assertEqual(response.status, 200, response)
        indexes = [data["test"]["index"] for _, name, data in events_of(response)
                   if name == "test"]
        self.assertNotIn(0, indexes)
        self.assertEqual(indexes, sorted(indexes))
        self.assertEqual(events_of(response)[-1][2]["state"], "completed")
        unknown = self.stream(job_id, "something-else")
        self.assertEqual([name for _, name, _ in events_of(unknown)], ["state"])


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
