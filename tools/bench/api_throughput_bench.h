// `codearena-bench api-throughput`: Python hello-world jobs per second through the REST API
// against the bare interpreter run back to back by as many workers as the node has slots.
//
// Starts `codearena serve` itself (see ServeProcess), then alternates a bare phase and an API
// phase per round. Prints a row per round (jobs/s, ratio, latency, CPU used by the client, the
// node and the machine), then the line
// `api-throughput bare_jobs_per_s=<x> api_jobs_per_s=<y> ratio=<y/x>` last (all rounds).
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

extern const char kApiThroughputBenchUsage[];

// Runs the benchmark with the arguments after `api-throughput`; returns the process exit code.
int api_throughput_bench(const std::vector<std::string>& args);

}  // namespace codearena::bench
