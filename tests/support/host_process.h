// Host-side views the sandbox tests check runs against: a host file's content, the box keepers
// this test process started, and a canary process outside any sandbox. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <set>
#include <string>

namespace codearena::testing {

// Whole content of a host file; empty when it cannot be read.
std::string read_host_file(const std::string& path);

// PIDs of this process's children that run the box keeper (one per slot once it has run).
std::set<pid_t> keeper_pids();

// A host process outside the sandbox running as `uid` (a slot's): only the PID namespace, not
// permissions, keeps a run from signalling it. Killed and reaped when the object goes; throws
// std::runtime_error when fork fails.
class Canary {
 public:
  explicit Canary(uid_t uid);
  Canary(const Canary&) = delete;
  Canary& operator=(const Canary&) = delete;
  ~Canary();

  bool alive() const;

 private:
  pid_t pid_;
};

}  // namespace codearena::testing
