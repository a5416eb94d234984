// `codearena-bench api-latency`: submit-to-completed latency of Python hello-world jobs sent
// at a fixed rate (open loop), by default half the API throughput measured first in the same
// run.
//
// Starts `codearena serve` itself (see ServeProcess). Prints the rate, then a row per round
// (p50, p90, p99, max of POST /api/execute?wait=true from each request's due time), then the
// line `api-latency rate_per_s=<r> p50_ms=<x> p99_ms=<y>` last (all rounds together).
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

extern const char kApiLatencyBenchUsage[];

// Runs the benchmark with the arguments after `api-latency`; returns the process exit code.
int api_latency_bench(const std::vector<std::string>& args);

}  // namespace codearena::bench
