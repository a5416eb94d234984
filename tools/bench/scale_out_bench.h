// `codearena-bench scale-out`: jobs/s of a cluster on loopback as worker nodes are added, for
// jobs bound by slots rather than CPU (programs that sleep).
//
// Starts a private redis-server, one node with the api and scheduler roles and worker nodes
// (`codearena serve` beside the bench, every node on its own loopback ports), then for each
// worker count measures a closed loop of POST /api/execute?wait=true through the API node.
// Prints one row per worker count with its ratio against the 1-worker row of the same run, and
// last the line `scale-out workers_<n>_jobs_per_s=<x> ...`.
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

extern const char kScaleOutBenchUsage[];

// Runs the benchmark with the arguments after `scale-out`; returns the process exit code.
int scale_out_bench(const std::vector<std::string>& args);

}  // namespace codearena::bench
