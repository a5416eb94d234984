#!/usr/bin/env python3
"""Job throughput of one node with and without `codearena inspect top` refreshing against it
(docs/benchmarks.md, "Inspection"). Starts `codearena serve` (all roles; needs root for the
sandbox), submits the same batch of short Python jobs in rounds that alternate between no
inspection and `top --interval 0.2` running, and prints jobs per second for each round.

    CODEARENA=build/bin/codearena PYTHONPATH=tests/api:tests/support tools/bench/inspect_overhead.py [jobs] [rounds]
"""
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from api_support import CODEARENA, Server

JOB = {"language": "python", "code": "print(sum(range(1000)))"}


def run_batch(server, jobs):
    """Seconds until `jobs` jobs submitted with ?wait=true by 8 clients have all finished."""
    def one(_):
        answer = server.request("POST", "/api/execute?wait=true", JOB, timeout=120)
        assert answer.status == 200 and answer.json["state"] == "completed", answer
    start = time.monotonic()
    with ThreadPoolExecutor(8) as clients:
        list(clients.map(one, range(jobs)))
    return time.monotonic() - start


def main():
    jobs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with Server("--workers", "4") as server:
        run_batch(server, 20)  # warms the interpreter's page cache
        for round_number in range(rounds):
            for with_top in (False, True):
                top = None
                if with_top:
                    top = subprocess.Popen(
                        [CODEARENA, "inspect", "--api", f"http://127.0.0.1:{server.port}", "top",
                         "--interval", "0.2"],
                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL)
                seconds = run_batch(server, jobs)
                if top:
                    top.terminate()
                    top.wait()
                label = "with top" if with_top else "without"
                print(f"round {round_number + 1} {label:8}: {jobs / seconds:6.1f} jobs/s",
                      flush=True)


if __name__ == "__main__":
    main()
