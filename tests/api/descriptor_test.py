#!/usr/bin/env python3
"""Descriptors and `codearena serve`: a submission starts with descriptors 0, 1 and 2 only while
other clients hold connections to the API (ProgramDescriptorTest), and every descriptor of the
node itself is close-on-exec (NodeDescriptorTest)."""
import json
import os
import tempfile
import unittest

from api_support import SLEEPER, EventStream, HeldConnections, Server, SilentReceiver
from descriptors import (CLEAN, COMPILE_INVENTORY_LANGUAGE, descriptors_without_cloexec,
                         forgery_job, inventory_job, inventory_source, tcp_ports,
                         unix_stream_peers)

LANGUAGES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "config",
                         "languages.json")

class ProgramDescriptorTest(unittest.TestCase):
    """One slot, so that every job runs where the previous one ran. The node knows the shipped
    languages plus COMPILE_INVENTORY_LANGUAGE."""

    @classmethod
    def setUpClass(cls):
        cls.table = cls.enterClassContext(tempfile.NamedTemporaryFile("w", suffix=".json"))
        with open(LANGUAGES) as shipped:
            table = json.load(shipped)
        table["languages"].append(COMPILE_INVENTORY_LANGUAGE)
        json.dump(table, cls.table)
        cls.table.flush()
        cls.server = cls.enterClassContext(
            Server("--workers", "1", env={"CODEARENA_LANGUAGES": cls.table.name}))
        cls.enterClassContext(HeldConnections(cls.server)).wait_accepted(cls.server.process.pid)

    def run_watched(self, job):
        """Runs a job with its event stream open the whole time; the final job."""
        job_id = self.server.submit(job).json["jobId"]
        stream = EventStream(self.server, job_id)
        try:
            return self.server.wait_final(job_id)
        finally:
            stream.close()

    def assert_clean(self, job):
        result = job["result"]
        self.assertEqual([t["stdout"] for t in result["tests"]], [CLEAN], result)
        self.assertEqual(result["verdict"], "AC", result)

    def test_submissions_in_every_language_get_only_0_1_2(self):
        for language in ("c", "python", "javascript", "java"):
            with self.subTest(language=language):
                self.assert_clean(self.run_watched(inventory_job(language)))

    def test_the_compile_step_gets_only_0_1_2(self):
        job = self.run_watched(inventory_job("compile-inventory", inventory_source("python")))
        self.assertEqual(job["result"]["compileOutput"], CLEAN, job["result"])
        self.assert_clean(job)

    def test_a_custom_checker_gets_only_0_1_2(self):
        for language in ("python", "c"):
            with self.subTest(checker=language):
                job = self.run_watched({
                    "language": "python", "code": f"print({CLEAN.strip()!r})",
                    "testCases": [{"input": "", "expectedOutput": CLEAN}],
                    "checker": {"type": "custom", "language": language,
                                "code": inventory_source(language)}})
                test = job["result"]["tests"][0]
                self.assertEqual((test["verdict"], test["message"]), ("AC", CLEAN), job["result"])

    def test_a_forged_exit_report_ends_in_tle_and_the_next_job_on_the_slot_is_clean(self):
        for language in ("c", "python"):
            with self.subTest(language=language):
                forged = self.run_watched(forgery_job(language))
                self.assertEqual(forged["result"]["verdict"], "TLE", forged["result"])
                self.assert_clean(self.run_watched(inventory_job("c")))


class NodeDescriptorTest(unittest.TestCase):
    """No descriptor of a node survives an execve: the listening socket, client connections
    (idle, half-sent, an open event stream), and whatever the sandbox slots and the actors
    hold. One exception, while a webhook delivery is in flight: LIBCURL_WAKEUP_PAIR."""

    # libcurl 7.88 (Debian 12) gives the multi handle behind curl_easy_perform a wakeup socket
    # pair made with a plain socketpair(), without SOCK_CLOEXEC, and no way to reach it: two
    # connected AF_UNIX stream sockets, both held by the node, for as long as a delivery runs.
    # The engine closes every descriptor above 2 before it starts a program, which covers them.
    LIBCURL_WAKEUP_PAIR = "libcurl's wakeup socket pair"

    def test_every_descriptor_of_the_node_is_close_on_exec(self):
        receiver = SilentReceiver()
        self.addCleanup(receiver.close)
        with Server("--workers", "2", env={"WEBHOOK_ALLOW_PRIVATE": "true"}) as server, \
                HeldConnections(server) as held:
            sleeper = server.submit(SLEEPER).json["jobId"]
            stream = EventStream(server, sleeper)
            self.addCleanup(stream.close)
            server.wait_state(sleeper, "active")
            pid = server.process.pid
            held.wait_accepted(pid)
            self.assertIn((server.port, 0), tcp_ports(pid), "the listener")
            self.assertEqual(descriptors_without_cloexec(pid), {})

            hooked = server.run({"language": "python", "code": "print(1)",
                                 "callbackUrl": receiver.url})
            self.assertEqual(hooked["state"], "completed", hooked)
            receiver.accept()
            self.assertIn(receiver.listener.getsockname()[1],
                          {remote for _, remote in tcp_ports(pid)}, "the delivery's connection")
            kept = descriptors_without_cloexec(pid)
            peers = unix_stream_peers()
            pair = {fd: self.LIBCURL_WAKEUP_PAIR for fd, target in kept.items()
                    if peers.get(target) in kept.values()}
            self.assertEqual(len(pair), 2, kept)
            self.assertEqual({fd: pair.get(fd, target) for fd, target in kept.items()}, pair)
            server.request("DELETE", f"/api/jobs/{sleeper}")

if __name__ == "__main__":
    unittest.main(verbosity=2)
