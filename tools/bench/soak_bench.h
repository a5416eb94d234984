// `codearena-bench soak`: many jobs with large outputs through one node, and the node's memory.
//
// Starts `codearena serve` itself (see ServeProcess) with its default retention settings, sends
// jobs whose every test prints a large output, samples the node's resident memory from /proc
// while they pass, and checks every result came back with its output cut to the kept size and
// flagged. Prints the samples, the bytes of output that passed through against the peak
// resident memory, then the line `soak jobs=<n> peak_rss_mb=<x>` last.
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

extern const char kSoakBenchUsage[];

// Runs the benchmark with the arguments after `soak`; returns the process exit code.
int soak_bench(const std::vector<std::string>& args);

}  // namespace codearena::bench
