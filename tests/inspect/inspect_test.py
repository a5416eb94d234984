#!/usr/bin/env python3
"""`codearena inspect` against a real cluster (a private redis-server, two API nodes that may
lead, two workers): the nodes with one leader, every node's actors and the messages they
handle, a job's timeline across nodes and slots (and after a failover, read from the store), a
stopped worker going late and then lost, `top` in a tmux pane, and the admin scope."""
import json
import os
import shutil
import subprocess
import sys
import unittest
import uuid

from cluster_harness import API_SCHEDULER, Cluster, wait_until
from tokens import SECRET, bearer, hs256

CODEARENA = os.environ.get("CODEARENA", "codearena")
JOB = {"language": "python", "code": "print(input())",
       "testCases": [{"input": "1", "expectedOutput": "1"}, {"input": "2", "expectedOutput": "2"}]}


def inspect(node, *args, token=None, check=True):
    """Runs `codearena inspect` against node; its stdout (parsed when --json is among args)."""
    env = dict(os.environ)
    env.pop("CODEARENA_TOKEN", None)
    if token:
        env["CODEARENA_TOKEN"] = token
    done = subprocess.run([CODEARENA, "inspect", "--api", f"http://127.0.0.1:{node.port}", *args],
                          capture_output=True, text=True, timeout=60, env=env)
    if check and done.returncode != 0:
        raise AssertionError(f"inspect {args} exited {done.returncode}: {done.stderr}")
    return json.loads(done.stdout) if "--json" in args and done.returncode == 0 else done


def nodes_by_id(node):
    return {entry["id"]: entry for entry in inspect(node, "nodes", "--json")["nodes"]}


def actor_of(node, node_id, name):
    """The actor `name` of node `node_id`, as `inspect actors --json` through node shows it."""
    answer = inspect(node, "actors", "--node", node_id, "--json")
    return next(actor for actor in answer["nodes"][0]["actors"] if actor["name"] == name)


class ClusterInspectTest(unittest.TestCase):
    def test_nodes_actors_timeline_and_a_stopped_worker(self):
        with Cluster(worker_slots=2) as cluster:
            leader = cluster.start_leading_pair(api_ids=("api-a", "api-b"),
                                                worker_ids=("worker-1", "worker-2"))
            api_a, api_b = cluster.nodes["api-a"], cluster.nodes["api-b"]
            ids = set(cluster.nodes)
            # Every node has announced its inspector once each one answers for itself.
            nodes = wait_until(lambda: all(n["answered"] for n in nodes_by_id(api_b).values())
                               and nodes_by_id(api_b), 30, "every node to answer")
            self.assertEqual(set(nodes), ids)
            self.assertEqual([n["id"] for n in nodes.values() if n["leader"]], [leader])
            self.assertGreater(nodes[leader]["epoch"], 0)
            self.assertGreater(nodes[leader]["leaseLeftMs"], 0)
            for entry in nodes.values():
                self.assertEqual(entry["state"], "alive", entry)
                self.assertTrue(entry["version"], entry)
            self.assertEqual(nodes["worker-1"]["slotsTotal"], 2)
            self.assertIn("python", nodes["worker-1"]["languages"])
            table = inspect(api_a, "nodes").stdout
            self.assertIn("NODE", table)
            for node_id in ids:
                self.assertIn(node_id, table)

            actors = inspect(api_a, "actors", "--json")
            by_node = {entry["id"]: entry for entry in actors["nodes"]}
            self.assertEqual(set(by_node), ids)
            for node_id, entry in by_node.items():
                names = {actor["name"] for actor in entry["actors"]}
                self.assertIn("membership", names, node_id)
                for actor in entry["actors"]:
                    self.assertIsInstance(actor["mailbox"], int, actor)
                    self.assertNotEqual(actor["state"], "no answer", actor)
                    self.assertIsInstance(actor["handled"], int, actor)
                    self.assertIsInstance(actor["busyUs"], int, actor)
                    if actor["handled"] > 0:
                        self.assertGreaterEqual(actor["idleMs"], 0, actor)
                    else:
                        self.assertIsNone(actor["idleMs"], actor)
            self.assertIn("scheduler", {a["name"] for a in by_node[leader]["actors"]})
            self.assertIn("pool", {a["name"] for a in by_node["worker-1"]["actors"]})
            self._inspection_is_not_counted(api_a)
            one = inspect(api_a, "actors", "--node", "worker-2", "--json")
            self.assertEqual([entry["id"] for entry in one["nodes"]], ["worker-2"])
            missing = inspect(api_a, "actors", "--node", "nowhere", check=False)
            self.assertEqual(missing.returncode, 1)
            self.assertIn("node_not_found", missing.stderr)

            # Submitted through the API node that does not lead: the timeline crosses nodes.
            entry_node = api_b if leader == "api-a" else api_a
            scheduler_before = actor_of(api_a, leader, "scheduler")["handled"]
            job_id = cluster.client.submit(JOB, nodes=[entry_node])
            job = cluster.client.wait_final([job_id])[job_id]
            self.assertEqual(job["state"], "completed", job)
            timeline = inspect(api_a, "job", job_id, "--json")
            self.assertEqual(timeline["state"], "completed")
            hops = timeline["timeline"]
            events = [hop["event"] for hop in hops]
            # A worker is free: the job is dispatched at once; the run goes out once persisted.
            self.assertEqual(events, ["accepted", "queued", "dispatched", "persisted", "started",
                                      "test", "test", "reported", "completed"], hops)
            self.assertEqual(hops[0]["node"], entry_node.node_id, hops)
            self.assertEqual([hops[i]["node"] for i in (1, 3, 8)], [leader] * 3)
            worker = hops[2]["node"]
            self.assertIn(worker, ("worker-1", "worker-2"))
            self.assertEqual({hop["node"] for hop in hops[4:8]}, {worker})
            # Each hop on the worker names the slot it started the attempt on.
            slot = hops[4]["detail"]
            self.assertIn(slot, ("slot 1 of 2", "slot 2 of 2"))
            for hop in hops[5:8]:
                self.assertTrue(hop["detail"].endswith(", " + slot), hop)
            # The job's messages (submit, run, progress, report, the store's write replies) at
            # least: the leader's scheduler counts every one.
            self.assertGreaterEqual(actor_of(api_a, leader, "scheduler")["handled"],
                                    scheduler_before + 6)
            times = [hop["atMs"] for hop in hops]
            self.assertEqual(times, sorted(times))
            # A hop's duration is the time since the hop before it.
            self.assertEqual([hop["sincePreviousMs"] for hop in hops],
                             [0] + [later - earlier for earlier, later in zip(times, times[1:])])
            self.assertEqual(timeline["totalMs"], times[-1] - times[0])
            self.assertIn("dispatched", inspect(api_b, "job", job_id).stdout)
            unknown = inspect(api_a, "job", str(uuid.uuid4()), check=False)
            self.assertEqual(unknown.returncode, 1)
            self.assertIn("job_not_found", unknown.stderr)

            self._top_renders_in_tmux(api_a)

            stopped = cluster.nodes["worker-2"]
            stopped.pause()
            wait_until(lambda: nodes_by_id(api_a)["worker-2"]["state"] == "late", 30,
                       "the stopped worker to show as late")
            wait_until(lambda: nodes_by_id(api_a)["worker-2"]["state"] == "lost", 30,
                       "the stopped worker to show as lost")
            stopped.resume()

            # The timeline is persisted with the job: the next leader shows it too.
            cluster.kill(leader)
            survivor = entry_node
            self.assertEqual(cluster.wait_leader(not_id=leader), survivor.node_id)
            def timeline_now():
                answer = inspect(survivor, "job", job_id, "--json", check=False)
                return answer if isinstance(answer, dict) else None
            after = wait_until(timeline_now, 60, "the new leader to show the job's timeline")
            self.assertEqual(after["timeline"], timeline["timeline"])

    def _inspection_is_not_counted(self, node):
        """A worker's submission actor hears only of leader changes: with no message between
        two inspections, the second shows the same count and a longer idle time."""
        def quiet_pair():
            first = actor_of(node, "worker-1", "submission")
            second = actor_of(node, "worker-1", "submission")
            return (first, second) if first["handled"] == second["handled"] else None
        first, second = wait_until(quiet_pair, 30, "two inspections with no message between")
        self.assertGreaterEqual(first["handled"], 1, first)
        self.assertGreaterEqual(second["idleMs"], first["idleMs"], (first, second))

    def _top_renders_in_tmux(self, node):
        if shutil.which("tmux") is None:
            self.fail("tmux is not installed (apt-get install tmux)")
        session = f"inspect-{uuid.uuid4().hex[:8]}"
        command = f"{CODEARENA} inspect --api http://127.0.0.1:{node.port} top --interval 0.5"
        subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "200", "-y", "50",
                        command], check=True)
        try:
            def screen():
                return subprocess.run(["tmux", "capture-pane", "-p", "-t", session],
                                      capture_output=True, text=True).stdout
            # The second screen counts since the first: both tables are drawn by then.
            shown = wait_until(lambda: "slowest actors" in screen() and screen(), 30,
                               "top to draw its screen")
            self.assertIn("codearena top", shown)
            self.assertIn("busiest actors", shown)
            self.assertIn("MEAN US", shown)
            self.assertIn("worker-1", shown)
            subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
            wait_until(lambda: subprocess.run(["tmux", "has-session", "-t", session],
                                              capture_output=True).returncode != 0,
                       30, "top to exit on q")
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


class AdminScopeTest(unittest.TestCase):
    def test_inspection_needs_the_admin_scope(self):
        admin = hs256(subject="ops", scope="admin")
        with Cluster(env={"JWT_SECRET": SECRET}, stats_headers=bearer(admin)) as cluster:
            node = cluster.start_node("api-a", API_SCHEDULER)
            cluster.wait_members({"api-a"})
            for path in ("/api/admin/inspect/nodes", "/api/admin/inspect/actors",
                         f"/api/admin/inspect/jobs/{uuid.uuid4()}"):
                self.assertEqual(node.request("GET", path).status, 401, path)
                reader = bearer(hs256(subject="alice", scope="jobs:read jobs:submit"))
                answer = node.request("GET", path, headers=reader)
                self.assertEqual(answer.status, 403, path)
                self.assertEqual(answer.json["error"]["code"], "insufficient_scope", answer)
            self.assertEqual(inspect(node, "nodes", "--json", token=admin)["leader"], "api-a")
            refused = inspect(node, "nodes", token=hs256(subject="alice"), check=False)
            self.assertEqual(refused.returncode, 1)
            self.assertIn("403", refused.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1] + sys.argv[1:])
