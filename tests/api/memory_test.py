#!/usr/bin/env python3
"""Bounded memory through the REST API: a result keeps each test's output up to KEPT_OUTPUT
(flagged), finished jobs beyond JOB_RETENTION_BYTES are forgotten oldest first, and the event
streams of clients that went away are dropped."""
import sys
import unittest

from api_support import SLEEPER, EventStream, Server, WebhookReceiver, wait_until

KEPT = 4096
LOUD = {"language": "python", "code": "import sys\nsys.stdout.write('x' * 100000)\n",
        "limits": {"output": "1m"}}


class KeptOutputTest(unittest.TestCase):
    def test_a_large_output_is_kept_cut_and_flagged_while_the_stream_saw_it_whole(self):
        receiver = WebhookReceiver()
        try:
            env = {"KEPT_OUTPUT": str(KEPT), "WEBHOOK_ALLOW_PRIVATE": "true"}
            with Server("--workers", "1", env=env) as server:
                # The blocker holds the only slot, so the stream is open before the job runs.
                blocker = server.submit(SLEEPER).json["jobId"]
                server.wait_state(blocker, "active")
                job_id = server.submit(dict(LOUD, callbackUrl=receiver.url)).json["jobId"]
                stream = EventStream(server, job_id)
                self.assertEqual(stream.next_event()[1]["state"], "queued")
                server.request("DELETE", f"/api/jobs/{blocker}")
                events = []
                while (event := stream.next_event()) is not None:
                    events.append(event)
                stream.close()

                tests = [data["test"] for name, data in events if name == "test"]
                self.assertEqual(len(tests), 1)
                self.assertEqual(tests[0]["stdout"], "x" * 100000)
                self.assertFalse(tests[0]["stdoutTruncated"])
                final = events[-1][1]
                self.assertEqual(final["state"], "completed")
                kept = server.job(job_id)
                sent = wait_until(lambda: receiver.by_job().get(job_id), 60, "the webhook")[0]
                for result in (final["result"], kept["result"], sent["result"]):
                    self.assertEqual(result["tests"][0]["stdout"], "x" * KEPT)
                    self.assertTrue(result["tests"][0]["stdoutTruncated"])
                    self.assertFalse(result["tests"][0]["stderrTruncated"])
                small = server.run({"language": "python", "code": "print('small')"})
                self.assertEqual(small["result"]["tests"][0]["stdout"], "small\n")
                self.assertFalse(small["result"]["tests"][0]["stdoutTruncated"])
        finally:
            receiver.close()


class RetentionBytesTest(unittest.TestCase):
    def test_finished_jobs_beyond_the_byte_bound_are_forgotten_oldest_first(self):
        bound = 5 * KEPT
        env = {"KEPT_OUTPUT": str(KEPT), "JOB_RETENTION_BYTES": str(bound)}
        with Server("--workers", "1", env=env) as server:
            ids = [server.run(LOUD)["jobId"] for _ in range(8)]
            wait_until(lambda: server.request("GET", f"/api/jobs/{ids[0]}").status == 404,
                       60, "forgetting the oldest job")
            stats = wait_until(
                lambda: (s := server.request("GET", "/api/stats").json)["jobs"]["retainedBytes"]
                <= bound and s, 60, "retention within the bound")
            self.assertGreater(stats["jobs"]["retainedBytes"], 0)
            self.assertEqual(server.job(ids[-1])["state"], "completed")
            answered = [server.request("GET", f"/api/jobs/{i}").status for i in ids]
            # Oldest first: once a job is kept, every later one is kept too.
            self.assertEqual(answered, sorted(answered, reverse=True), answered)


class GoneListenerTest(unittest.TestCase):
    def test_streams_whose_clients_went_away_are_dropped(self):
        with Server("--workers", "1", env={"SSE_HEARTBEAT": "100ms"}) as server:
            def listeners():
                return server.request("GET", "/api/stats").json["jobs"]["listeners"]

            blocker = server.submit(SLEEPER).json["jobId"]
            server.wait_state(blocker, "active")
            job_id = server.submit({"language": "python", "code": "print('late')"}).json["jobId"]
            streams = [EventStream(server, job_id) for _ in range(5)]
            for stream in streams:
                self.assertEqual(stream.next_event()[1]["state"], "queued")
            self.assertEqual(listeners(), 5)
            for stream in streams:
                stream.close()
            wait_until(lambda: listeners() == 0, 60, "dropping the gone streams")

            # A stream opened now still gets the job's events to the end.
            stream = EventStream(server, job_id)
            self.assertEqual(stream.next_event()[1]["state"], "queued")
            self.assertEqual(listeners(), 1)
            server.request("DELETE", f"/api/jobs/{blocker}")
            states = []
            while (event := stream.next_event()) is not None:
                states.append(event[1].get("state"))
            stream.close()
            self.assertEqual(states[-1], "completed")
            self.assertEqual(listeners(), 0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
