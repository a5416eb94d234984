// `codearena-bench leader`: how many jobs per second one leader (the scheduler actor and its job
// store actor) takes from submission to completed, with the memory store and with Redis.
//
// Everything runs in this process: the leader as a node builds it (scheduler, store actor,
// membership holding the lease), simulated worker nodes that finish every job the moment it
// starts, and submitters keeping a fixed number of jobs unfinished (tools/bench/leader_load.h).
// Prints one table row per store, ratios against the memory store, Redis commands per job, and
// last the line `leader <store>_jobs_per_s=<x> ...`.
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

extern const char kLeaderBenchUsage[];

// Runs the benchmark with the arguments after `leader`; returns the process exit code.
int leader_bench(const std::vector<std::string>& args);

}  // namespace codearena::bench
