// Bare process runs for the benchmarks: fork, execve, capture stdout and stderr, waitpid.
//
// A Command is prepared once (argv and environment laid out as C arrays), then run() many
// times; each run allocates nothing between fork and execve, so it is safe from any thread of
// a multi-threaded benchmark. Output is read through two pipes with poll(), as the sandbox
// engine reads a sandboxed program's output, so that bare and sandboxed runs do the same
// plumbing. stdin is /dev/null.
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

struct ProcessOutcome {
  int wait_status = 0;  // As filled in by waitpid().
  std::string out;
  std::string err;

  bool exited_ok() const;  // Exited with code 0.
};

class Command {
 public:
  // argv[0] must be a path (no PATH search); env is the whole environment, "NAME=value".
  Command(std::vector<std::string> argv, std::vector<std::string> env);
  Command(const Command&) = delete;
  Command& operator=(const Command&) = delete;
  ~Command();

  // Runs the command to completion. Throws std::system_error if a pipe or fork fails.
  ProcessOutcome run() const;
  const std::vector<std::string>& argv() const { return argv_; }

 private:
  std::vector<std::string> argv_;
  std::vector<std::string> env_;
  std::vector<char*> argv_ptrs_;
  std::vector<char*> env_ptrs_;
  int dev_null_ = -1;
};

// A run timed by codearena-bench-spawner (tools/bench/spawner.c): the lean baseline.
struct TimedOutcome {
  ProcessOutcome outcome;
  double elapsed_us = 0;  // As the spawner measured it: posix_spawn to the end of waitpid.
};

// A codearena-bench-spawner process ready to run one command again and again, each run
// started from that small process rather than forked from the caller's. One caller at a time;
// distinct Spawners may be used from distinct threads.
class Spawner {
 public:
  // Starts `spawner` (a path) for `argv` (argv[0] a path) with environment `env`. Throws
  // std::system_error if it cannot be started.
  Spawner(const std::string& spawner, const std::vector<std::string>& argv,
          const std::vector<std::string>& env);
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;
  // Ends the spawner (end of its input) and waits for it.
  ~Spawner();

  // Runs the command once. Throws std::runtime_error if the spawner fails or has gone.
  TimedOutcome run();

 private:
  int requests_ = -1;  // The spawner's stdin.
  int results_ = -1;   // Its stdout.
  int pid_ = -1;
};

}  // namespace codearena::bench
