#!/usr/bin/env python3
"""Event streams of a cluster's jobs, with real nodes (API and scheduler nodes, a worker node, a
real redis-server): each stream begins with the job's state and then carries every later test,
in order, to the final state, however busy the API node; and a stream follows its job to the end
through a failover of the leader."""
import threading
import unittest

from api_support import EventStream
from cluster_harness import Cluster

TESTS_PER_JOB = 100
JOBS = 6
# Streams opened on each job while it runs (fewer when it ends sooner).
STREAMS_PER_JOB = 150
# Clients asking the API node for its languages meanwhile.
BUSY_CLIENTS = 16


def many_tests_job(code="print(input())", tests=TESTS_PER_JOB):
    return {"language": "python", "code": code,
            "testCases": [{"input": str(i), "expectedOutput": str(i)} for i in range(tests)]}


def read_stream(node, job_id):
    """Every (event, data) of one event stream of the job, to its end."""
    stream = EventStream(node, job_id)
    try:
        events = []
        while (event := stream.next_event()) is not None:
            events.append(event)
        return events
    finally:
        stream.close()


def stream_problem(events):
    """What is wrong with one stream's events, or None: it must begin with a state event, carry
    every test after that state's progress one by one, and end with the completed state."""
    if not events or events[0][0] != "state":
        return f"does not begin with a state event: {events[:2]}"
    expected = events[0][1]["progress"]["done"]
    for name, data in events[1:-1]:
        # A state event between tests (queued to active) says how many tests are done.
        if name == "state" and data["progress"]["done"] == expected:
            continue
        if name != "test" or data["test"]["index"] != expected:
            return f"expected test #{expected} after {events[0][1]['progress']}, got {name} {data}"
        expected += 1
    last_name, last = events[-1]
    if last_name != "state" or last["state"] != "completed":
        return f"does not end with the completed state: {events[-1]}"
    if len(events) > 1 and expected != TESTS_PER_JOB:
        return f"ends after test #{expected - 1} of {TESTS_PER_JOB}"
    return None


class EventStreamTest(unittest.TestCase):
    def test_streams_opened_while_tests_report_miss_no_event(self):
        with Cluster(worker_slots=4) as cluster:
            api = cluster.start_node("sched-a", ("api", "scheduler"))
            cluster.start_node("worker-1", ("worker",))
            cluster.wait_members({"sched-a", "worker-1"})
            for _ in range(JOBS):
                self.check_streams(api, cluster.client.submit(many_tests_job()))
            self.assertTrue(api.alive(), api.log_tail())

    def check_streams(self, api, job_id):
        results = []
        finished = threading.Event()

        def follow():
            try:
                events = read_stream(api, job_id)
                results.append(stream_problem(events))
                if events and events[-1][0] == "state" and events[-1][1]["state"] == "completed":
                    finished.set()
            except Exception as error:  # the node crashed or answered nonsense
                results.append(f"{type(error).__name__}: {error}")
                finished.set()

        def keep_submission_actor_busy():
            # Each request passes through the submission actor, as the watch answers do: they
            # wait behind these while the events go straight to the streams.
            while not finished.is_set():
                api.request("GET", "/api/languages")

        readers = [threading.Thread(target=keep_submission_actor_busy) for _ in range(BUSY_CLIENTS)]
        for reader in readers:
            reader.start()
        while len(readers) < BUSY_CLIENTS + STREAMS_PER_JOB and not finished.is_set():
            readers.append(threading.Thread(target=follow))
            readers[-1].start()
        for reader in readers:
            reader.join()
        problems = [problem for problem in results if problem]
        self.assertEqual(problems, [], f"{len(problems)} of {len(results)} streams of {job_id}")


class FailoverStreamTest(unittest.TestCase):
    def test_a_stream_follows_its_job_through_a_failover(self):
        # Keep-alives rarer than the client's read timeout: a stream that stalls fails the test.
        with Cluster(worker_slots=1, flags=("--sse-heartbeat", "600s")) as cluster:
            leader = cluster.start_node("sched-a", ("api", "scheduler"))
            cluster.wait_leader()
            follower = cluster.start_node("sched-b", ("api", "scheduler"))
            cluster.start_node("worker-1", ("worker",))
            cluster.wait_members({"sched-a", "sched-b", "worker-1"})
            slow = "import time\ntime.sleep(0.2)\nprint(input())"
            job_id = cluster.client.submit(many_tests_job(slow, tests=30), nodes=[follower])
            stream = EventStream(follower, job_id, timeout=60)
            events = []
            try:
                while (event := stream.next_event()) is not None:
                    events.append(event)
                    if event[0] == "test" and event[1]["test"]["index"] == 3:
                        leader.kill()
                        cluster.retire("sched-a")
            finally:
                stream.close()
            self.assertEqual(events[0][0], "state", events[:2])
            self.assertEqual((events[-1][0], events[-1][1]["state"]), ("state", "completed"),
                             events[-3:])


if __name__ == "__main__":
    unittest.main()
