#!/usr/bin/env python3
"""Dispatch by language with real nodes: a worker offering only python and one offering every
language (WORKER_LANGUAGES), a real redis-server, real sandboxed java and python jobs."""
import unittest

from cluster_harness import API_SCHEDULER, WORKER, Cluster

NO_WORKER_TIMEOUT_S = 6


def java(tag):
    return {"language": "java",
            "code": "public class Main { public static void main(String[] a) { "
                    f"System.out.println(\"{tag}\"); }} }}",
            "testCases": [{"input": "", "expectedOutput": tag}]}


def python(tag):
    return {"language": "python", "code": f"print({tag!r})",
            "testCases": [{"input": "", "expectedOutput": tag}]}


def offers(node):
    """{language id: {"available", "workers", "slots"}} as the node's /api/languages shows."""
    response = node.request("GET", "/api/languages", timeout=30)
    assert response.status == 200, response
    return {entry["id"]: {key: entry[key] for key in ("available", "workers", "slots")}
            for entry in response.json["languages"]}


class LanguagePoolsTest(unittest.TestCase):
    def test_java_jobs_go_only_to_the_worker_offering_java(self):
        with Cluster(worker_slots=2,
                     flags=("--no-worker-timeout", f"{NO_WORKER_TIMEOUT_S}s")) as cluster:
            api = cluster.start_node("sched-a", API_SCHEDULER)
            cluster.start_node("worker-python", WORKER, "--worker-languages", "python")
            cluster.start_node("worker-all", WORKER)
            cluster.wait_members({"sched-a", "worker-python", "worker-all"})

            members = cluster.members(api)
            self.assertEqual(members["worker-python"]["languages"], ["python"])
            self.assertIn("java", members["worker-all"]["languages"])
            self.assertEqual(offers(api)["java"], {"available": True, "workers": 1, "slots": 2})
            self.assertEqual(offers(api)["python"], {"available": True, "workers": 2, "slots": 4})
            self.assertEqual(cluster.stats(api)["languages"]["java"]["workers"], 1)

            # The python-only worker would reject a java job (failed): each one completing
            # shows it ran on worker-all.
            ids = [cluster.client.submit(java(f"j{i}")) for i in range(4)]
            ids += [cluster.client.submit(python(f"p{i}")) for i in range(4)]
            for job_id, job in cluster.client.wait_final(ids, timeout=300).items():
                self.assertEqual((job["state"], job["result"]["verdict"]), ("completed", "AC"),
                                 f"{job_id}: {job}")

            cluster.kill("worker-all")
            cluster.wait_members({"sched-a", "worker-python"})
            self.assertEqual(offers(api)["java"], {"available": False, "workers": 0, "slots": 0})
            self.assertTrue(offers(api)["python"]["available"])

            waiting = cluster.client.submit(java("late"))
            self.assertEqual(cluster.client.job(waiting, api)["state"], "queued")
            # Python jobs are not held back behind it.
            flowing = cluster.client.submit(python("after"))
            self.assertEqual(cluster.client.wait_final([flowing])[flowing]["state"], "completed")

            failed = cluster.client.wait_final([waiting], timeout=NO_WORKER_TIMEOUT_S + 60)
            self.assertEqual(failed[waiting]["state"], "failed")
            self.assertEqual(failed[waiting]["attempts"], 0)
            self.assertTrue(failed[waiting]["failedReason"].startswith(
                "no worker offers language java"), failed[waiting])


class UnknownLanguageTest(unittest.TestCase):
    def test_a_worker_naming_an_unknown_language_exits_at_start(self):
        with Cluster() as cluster:
            cluster.start_node("sched-a", API_SCHEDULER)
            with self.assertRaises(RuntimeError) as raised:
                cluster.start_node("worker-cobol", WORKER, "--worker-languages", "python,cobol")
            self.assertIn("codearena serve exited with 1", str(raised.exception))
            self.assertIn("unknown language 'cobol'", str(raised.exception))


if __name__ == "__main__":
    unittest.main()
