#!/usr/bin/env python3
"""Failover time of a CodeArena cluster: from `kill -9` of the leader (or SIGTERM, which hands
the lease over) to the first job accepted and completed through the surviving API node.

A real redis-server, two api+scheduler nodes and one worker on loopback. Each round kills the
leader, submits a small Python job to the other node until one is accepted, waits for it to
complete, then starts a fresh standby for the next round. Prints every round, the median and
the worst, next to the lease TTL and the time one job takes with no failure (the baseline).

    tools/bench/failover_bench.py [--rounds 5] [--lease-ttl-ms 3000] [--heartbeat-ms 500]
        [--signal kill|term] [--codearena build/bin/codearena]
"""
import argparse
import os
import signal
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(ROOT, "tests", folder) for folder in ("cluster", "api", "support")]

JOB = {"language": "python", "code": "print(1)"}


def options():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lease-ttl-ms", type=int, default=3000)
    parser.add_argument("--heartbeat-ms", type=int, default=500)
    parser.add_argument("--signal", choices=("kill", "term"), default="kill")
    parser.add_argument("--codearena", default=os.path.join(ROOT, "build", "bin", "codearena"))
    return parser.parse_args()


def job_round_trip(cluster, node):
    """Seconds from the first submission attempt to the job completed, through `node`."""
    start = time.monotonic()
    job_id = cluster.client.submit(JOB, nodes=[node], timeout=120)
    job = cluster.client.wait_final([job_id], nodes=[node], pause=0.01)[job_id]
    if job["state"] != "completed":
        raise AssertionError(f"the probe job ended {job['state']}: {job}")
    return time.monotonic() - start


def run(args):
    os.environ["CODEARENA"] = args.codearena
    from cluster_harness import Cluster  # after CODEARENA is set: api_support reads it

    with Cluster(lease_ttl_ms=args.lease_ttl_ms, heartbeat_ms=args.heartbeat_ms,
                 node_timeout_ms=max(3000, 2 * args.lease_ttl_ms)) as cluster:
        names = iter(f"scheduler-{n}" for n in range(1000))
        for _ in range(2):
            cluster.start_node(next(names), ["api", "scheduler"])
        cluster.start_node("worker", ["worker"])
        leader = cluster.wait_leader()
        cluster.wait_members({*cluster.nodes})
        standby = next(node for node in cluster.api_nodes() if node.node_id != leader)
        baseline = statistics.median(job_round_trip(cluster, standby) for _ in range(5))
        print(f"lease TTL {args.lease_ttl_ms} ms, heartbeat {args.heartbeat_ms} ms, "
              f"signal {args.signal}; one job with no failure: {baseline * 1000:.0f} ms")
        times = []
        for number in range(1, args.rounds + 1):
            survivor = next(node for node in cluster.api_nodes() if node.node_id != leader)
            victim = cluster.nodes[leader]
            started = time.monotonic()
            if args.signal == "kill":
                victim.process.kill()
            else:
                victim.process.send_signal(signal.SIGTERM)
            job_round_trip(cluster, survivor)
            seconds = time.monotonic() - started
            times.append(seconds)
            victim.process.wait(60)
            cluster.retire(leader)
            print(f"round {number}: {leader} {args.signal} -> first job completed on "
                  f"{survivor.node_id} in {seconds:.2f} s")
            cluster.start_node(next(names), ["api", "scheduler"])
            leader = cluster.wait_leader()
            cluster.wait_members({*cluster.nodes})
        print(f"failover ({args.signal}): median {statistics.median(times):.2f} s, "
              f"worst {max(times):.2f} s, best {min(times):.2f} s over {len(times)} rounds; "
              f"median / lease TTL = {statistics.median(times) * 1000 / args.lease_ttl_ms:.2f}")


if __name__ == "__main__":
    run(options())
