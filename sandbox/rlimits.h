// Per-process resource limits applied to the program before it starts.
//
// These back up the cgroup limits (which cover the whole run): no core dumps, a file-size cap
// whose breach (SIGXFSZ) reports as output limit exceeded, an open-files cap, the stack size,
// a CPU-seconds backstop, and optionally an address-space cap (off by default: JVMs and V8
// reserve far more address space than they use; memory is the cgroup's job).
#pragma once

#include <cstdint>

#include "sandbox/run_spec.h"

namespace codearena::sandbox {

struct ProcessLimits {
  int64_t cpu_seconds = 0;  // Soft limit; the hard limit is one second more.
  int64_t file_size_bytes = 0;
  int64_t open_files = 0;
  int64_t stack_bytes = 0;
  int64_t address_space_bytes = 0;  // 0: unlimited.
};

// The rlimits that go with `limits`: the CPU backstop sits one second past the CPU limit, so
// the supervisor's own measurement (all threads, all processes) normally decides first.
ProcessLimits process_limits_for(const RunLimits& limits);

// Applies them to the calling process, all but the open-files limit. Async-signal-safe. Returns
// 0 or errno, `*step` naming the limit that failed.
int apply_process_limits(const ProcessLimits& limits, const char** step);

// Applies the open-files limit. Separate because the sandbox sets it last, once nothing but the
// program's own descriptors is left, so that even the smallest limit leaves the seccomp
// listener a number while it is handed over. Async-signal-safe. Returns 0 or errno.
int apply_open_files_limit(const ProcessLimits& limits);

}  // namespace codearena::sandbox
