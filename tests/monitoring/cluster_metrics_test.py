#!/usr/bin/env python3
"""The cluster's metrics on real nodes sharing a real redis-server: Redis write latency, a
worker lost to kill -9 counted by the leader, and a leader change counted by the survivor."""
import sys
import unittest

from cluster_harness import Cluster, wait_until
from scrape import Scrape


def counter(node, family, **labels):
    found = Scrape(node).samples(family, **labels)
    return found[0] if found else None


class ClusterMetricsTest(unittest.TestCase):
    def test_redis_writes_lost_nodes_and_leader_changes(self):
        with Cluster() as cluster:
            leader_id = cluster.start_leading_pair()
            leader = cluster.nodes[leader_id]
            survivor = cluster.api_nodes(but=leader_id)[0]
            job = survivor.run({"language": "python", "code": "print(1)"})
            self.assertEqual(job["state"], "completed")

            writes = Scrape(leader).value("codearena_store_write_duration_seconds",
                                          "codearena_store_write_duration_seconds_count",
                                          store="redis")
            self.assertGreaterEqual(writes, 1)
            for node in (leader, survivor):
                self.assertEqual(counter(node, "codearena_cluster_nodes_lost_total"), 0)
                self.assertEqual(counter(node, "codearena_cluster_leader_changes_total"), 0)
                self.assertEqual(counter(node, "codearena_cluster_leader_up"), 1)

            cluster.kill("worker-1")
            wait_until(lambda: counter(leader, "codearena_cluster_nodes_lost_total") == 1, 60,
                       "the leader to count the killed worker as lost")
            self.assertEqual(counter(survivor, "codearena_cluster_nodes_lost_total"), 1)

            cluster.kill(leader_id)
            cluster.wait_leader(not_id=leader_id)
            wait_until(lambda: counter(survivor, "codearena_cluster_leader_changes_total") == 1,
                       60, "the survivor to count the new leader")
            self.assertEqual(counter(survivor, "codearena_cluster_leader_up"), 1)
            # The new leader has lost nobody: the counter keeps what the old one counted.
            self.assertEqual(counter(survivor, "codearena_cluster_nodes_lost_total"), 1)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]] + sys.argv[1:])
