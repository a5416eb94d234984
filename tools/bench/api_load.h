// The load the API benchmarks put on a `codearena serve` node, and the bare baseline they
// compare it with: Python hello-world jobs.
//
// Every function runs its workers on threads of its own and returns when they are done; each
// checks every answer (exit 0 and "hello\n" bare; 200, completed, AC and "hello\n" through the
// API) and throws std::runtime_error at the first wrong one. Figures include the CPU time this
// process, the node and the whole machine used meanwhile, to show how much the client costs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tools/bench/http_client.h"
#include "tools/bench/process.h"
#include "tools/bench/serve_process.h"

namespace codearena::bench {

// The job every API phase submits and the output it must give.
extern const char kHelloJob[];
extern const char kHelloOutput[];

// A job a closed loop submits: the request body, and the stdout its first test must print.
struct ApiJob {
  std::string body;
  std::string expected_stdout;
};

// Throws std::runtime_error unless `response` is a finished job (200, completed) whose verdict
// is AC and whose first test printed `expected_stdout`; when `compile_cached` is given, also
// unless the compile cache was hit exactly when it says.
void check_execute_answer(const HttpResponse& response, const std::string& expected_stdout,
                          std::optional<bool> compile_cached = std::nullopt);

// Submits `body` with POST /api/execute?wait=true on `connection` and returns the µs from the
// send to the whole answer, checked as check_execute_answer() does.
double timed_execute(HttpConnection& connection, const std::string& body,
                     const std::string& expected_stdout,
                     std::optional<bool> compile_cached = std::nullopt);

struct LoadFigures {
  int64_t jobs = 0;
  double seconds = 0;
  std::vector<double> latencies_us;  // Per job, in the order they finished.
  double client_cpu_us = 0;          // This process (its threads; not the bare runs' children).
  double server_cpu_us = 0;   // The node's threads (not the sandboxed programs); 0 if no node.
  double machine_cpu_us = 0;  // Every core of the machine: busy time from /proc/stat.
  double load_average = 0;    // One-minute load average at the end.

  double jobs_per_s() const { return seconds > 0 ? static_cast<double>(jobs) / seconds : 0; }
  // CPU time as a share of one core over the phase: 1.0 is one core busy all the time.
  double cores(double cpu_us) const { return seconds > 0 ? cpu_us / (seconds * 1e6) : 0; }
};

// `workers` threads run `command` back to back for `seconds` (fork, exec, read, wait).
LoadFigures run_bare_loop(const Command& command, int64_t workers, double seconds);

// `connections` threads, each on its own keep-alive connection, submit `job` (kHelloJob unless
// given) with POST /api/execute?wait=true back to back for `seconds` (closed loop).
LoadFigures run_api_closed_loop(const ServeProcess& node, int64_t connections, double seconds);
LoadFigures run_api_closed_loop(const ServeProcess& node, int64_t connections, double seconds,
                                const ApiJob& job);

// Submits `requests` jobs at `rate` per second on a fixed schedule (open loop): request i is due
// at start + i / rate whatever became of the others, sent by whichever of `connections` threads
// is free. Latencies run from the due time, so a late send counts against the node; `late`
// receives how many were sent more than 1 ms after their due time (too few connections).
LoadFigures run_api_open_loop(const ServeProcess& node, double rate, int64_t requests,
                              int64_t connections, int64_t* late);

// The columns print_phase() fills, and one row of them: `label`, jobs, jobs/s, latency p50 and
// p99 in ms, CPU of the client, the node and the whole machine in cores, load average.
void print_phase_heading();
void print_phase(const std::string& label, const LoadFigures& figures);

}  // namespace codearena::bench
