// A `codearena serve` node started for a benchmark: the `codearena` binary beside the bench,
// on a free loopback port, with request logs and the rate limit off.
//
// The constructor returns once GET /health answers (or throws std::runtime_error, with the end
// of the node's log); the destructor sends SIGTERM and waits for the node to exit (SIGKILL after
// 10 s). The node's stderr goes to a log file in a scratch directory. Not thread-safe, except
// that port(), pid() and cpu_us() may be read from any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tools/bench/bench_util.h"

namespace codearena::bench {

class ServeProcess {
 public:
  // Starts the node with WORKER_CONCURRENCY=slots, LOG_LEVEL=warn, API_RATE_LIMIT=0 and
  // `settings` ("NAME=value", each replacing the environment's NAME).
  explicit ServeProcess(int64_t slots, const std::vector<std::string>& settings = {});
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  ~ServeProcess();

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // CPU time (user + system) the node's own threads have used so far, from /proc; sandboxed
  // programs are not counted (they are not its threads).
  double cpu_us() const;
  // The `codearena` binary it runs.
  const std::string& binary() const { return binary_; }

 private:
  void stop();
  std::string log_tail() const;

  TempDir scratch_;
  std::string binary_;
  std::string log_path_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// CPU time (user + system) of process `pid`'s threads so far in µs, from /proc/<pid>/stat.
double process_cpu_us(pid_t pid);

}  // namespace codearena::bench
