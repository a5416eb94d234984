#!/usr/bin/env python3
"""The submissions budget of a cluster with Redis: two API nodes share each subject's window,
so a burst spread over both gets the budget and no more; while Redis is down each node keeps
its own window (neither open nor closed)."""
import sys
import unittest
from concurrent.futures import ThreadPoolExecutor

from cluster_harness import Cluster, wait_until
from tokens import SECRET, bearer, hs256

JOB = {"language": "python", "code": "print(1)"}
UNKNOWN_LANGUAGE = {"language": "cobol", "code": "x"}
LIMIT = 4


class SharedBudgetTest(unittest.TestCase):
    def test_two_api_nodes_share_one_budget_and_fall_back_to_their_own_without_redis(self):
        admin = bearer(hs256(subject="ops", scope="admin"))
        env = {"JWT_SECRET": SECRET, "API_RATE_LIMIT": str(LIMIT)}
        with Cluster(env=env, stats_headers=admin) as cluster:
            cluster.start_leading_pair(api_ids=("api-a", "api-b"), worker_ids=())
            a, b = cluster.nodes["api-a"], cluster.nodes["api-b"]

            alice = bearer(hs256(subject="alice"))
            nodes = [a, b] * (2 * LIMIT)
            with ThreadPoolExecutor(4) as pool:
                answers = list(pool.map(
                    lambda node: node.request("POST", "/api/execute", JOB, alice), nodes))
            statuses = [answer.status for answer in answers]
            self.assertEqual(statuses.count(202), LIMIT, statuses)
            self.assertEqual(statuses.count(429), len(nodes) - LIMIT, statuses)
            for node in (a, b):
                refused = node.request("POST", "/api/execute", JOB, alice)
                self.assertEqual(refused.status, 429, refused)
                self.assertEqual(refused.headers["ratelimit-remaining"], "0")
            self.assertEqual(cluster.redis.command("ZCARD", "codearena:rate:subject alice"), LIMIT)
            # Another subject's budget is its own.
            bob = bearer(hs256(subject="bob"))
            self.assertEqual(b.request("POST", "/api/execute", JOB, bob).status, 202)
            # A subject written in Redis's protocol is a key like any other, not a command.
            crafted = "x\r\n*1\r\n$8\r\nFLUSHALL\r\n{slot}"
            self.assertEqual(
                b.request("POST", "/api/execute", JOB, bearer(hs256(subject=crafted))).status, 202)
            self.assertEqual(cluster.redis.command("ZCARD", "codearena:rate:subject " + crafted), 1)
            self.assertEqual(cluster.redis.command("ZCARD", "codearena:rate:subject alice"), LIMIT)

            cluster.redis.kill()
            carol = bearer(hs256(subject="carol"))
            for node in (a, b):
                # Jobs the node refuses by itself (the job store needs Redis too) still count.
                statuses = [node.request("POST", "/api/execute", UNKNOWN_LANGUAGE, carol).status
                            for _ in range(LIMIT + 1)]
                self.assertEqual(statuses, [422] * LIMIT + [429])
                self.assertEqual(len(node.log_events("rate_limit_redis_unavailable")), 1)

            cluster.redis.start()
            subjects = iter(range(1000))

            def decided_in_redis():
                subject = f"dave-{next(subjects)}"
                a.request("POST", "/api/execute", JOB, bearer(hs256(subject=subject)))
                return a.log_events("rate_limit_redis_back") and subject

            subject = wait_until(decided_in_redis, 60, "api-a using Redis again")
            self.assertEqual(cluster.redis.command("ZCARD", f"codearena:rate:subject {subject}"), 1)

if __name__ == "__main__":
    unittest.main(argv=sys.argv)
