#!/usr/bin/env python3
"""Descriptors in a cluster: jobs on a worker node (and on a `serve --redis` node running every
role) start with descriptors 0, 1 and 2 only, although the node holds Redis connections, cluster
connections and client connections (ProgramDescriptorTest); every descriptor of those nodes is
close-on-exec (NodeDescriptorTest)."""
import unittest

from api_support import HeldConnections
from cluster_harness import API_SCHEDULER, WORKER, Cluster
from descriptors import CLEAN, descriptors_without_cloexec, forgery_job, inventory_job, tcp_ports

EVERY_ROLE = ("api", "scheduler", "worker")


class ProgramDescriptorTest(unittest.TestCase):
    """One worker slot in the cluster, so that every job runs where the previous one ran."""

    def run_job(self, cluster, job):
        job_id = cluster.client.submit(job)
        return cluster.client.wait_final([job_id])[job_id]

    def assert_jobs_get_only_0_1_2(self, cluster, front):
        with HeldConnections(front) as held:
            held.wait_accepted(front.process.pid)
            for language in ("c", "python"):
                with self.subTest(language=language):
                    result = self.run_job(cluster, inventory_job(language))["result"]
                    self.assertEqual([t["stdout"] for t in result["tests"]], [CLEAN], result)
                    self.assertEqual(result["verdict"], "AC", result)
                with self.subTest(forgery=language):
                    forged = self.run_job(cluster, forgery_job(language))["result"]
                    self.assertEqual(forged["verdict"], "TLE", forged)
                    after = self.run_job(cluster, inventory_job("c"))["result"]
                    self.assertEqual([t["stdout"] for t in after["tests"]], [CLEAN], after)

    def test_jobs_on_a_worker_node_get_only_0_1_2(self):
        with Cluster(worker_slots=1) as cluster:
            front = cluster.start_node("front", API_SCHEDULER)
            cluster.start_node("worker-1", WORKER)
            cluster.wait_members({"front", "worker-1"})
            self.assert_jobs_get_only_0_1_2(cluster, front)

    def test_jobs_on_a_serve_redis_node_get_only_0_1_2(self):
        with Cluster(worker_slots=1) as cluster:
            node = cluster.start_node("all", EVERY_ROLE)
            cluster.wait_members({"all"})
            self.assert_jobs_get_only_0_1_2(cluster, node)


class NodeDescriptorTest(unittest.TestCase):
    """No descriptor of a `serve --redis` node with a cluster port, nor of a worker node,
    survives an execve: Redis connections (hiredis), the cluster listener and connections
    (CAF's middleman), HTTP sockets, and whatever the sandbox slots and the actors hold."""

    def test_every_descriptor_of_cluster_nodes_is_close_on_exec(self):
        with Cluster(worker_slots=1) as cluster:
            front = cluster.start_node("front", API_SCHEDULER)
            worker = cluster.start_node("worker-1", WORKER)
            cluster.wait_members({"front", "worker-1"})
            job_id = cluster.client.submit(inventory_job("python"))
            cluster.client.wait_final([job_id])
            redis, cluster_port = cluster.redis.port, front.cluster_port
            with HeldConnections(front) as held:
                held.wait_accepted(front.process.pid)
                front_ports = tcp_ports(front.process.pid)
                worker_ports = tcp_ports(worker.process.pid)
                self.assertIn((cluster_port, 0), front_ports, "the cluster listener")
                self.assertTrue(
                    any(local == cluster_port and remote for local, remote in front_ports),
                    f"the worker's cluster connection: {front_ports}")
                self.assertTrue(any(remote == cluster_port for _, remote in worker_ports),
                                f"the worker's cluster connection: {worker_ports}")
                for ports in (front_ports, worker_ports):
                    self.assertTrue(any(remote == redis for _, remote in ports),
                                    f"a Redis connection: {ports}")
                self.assertIn((front.port, 0), front_ports, "the HTTP listener")
                for node in (front, worker):
                    with self.subTest(node=node.node_id):
                        self.assertEqual(descriptors_without_cloexec(node.process.pid), {})

if __name__ == "__main__":
    unittest.main(verbosity=2)
