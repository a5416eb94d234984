#include "sandbox/run_spec.h"

#include <csignal>
#include <cstring>

namespace codearena::sandbox {

int64_t RunLimits::wall_limit_ms() const {
  if (wall_ms > 0) return wall_ms;
  return kWallPerCpu * cpu_ms + kWallFloorMs;
}

std::string RunLimits::problem() const {
  struct Minimum {
    const char* name;
    int64_t value;
    int64_t least;
  };
  const Minimum minimums[] = {
      {"cpu time (ms)", cpu_ms, 1},
      {"wall time (ms)", wall_ms, 0},
      {"memory (bytes)", memory_bytes, 1 << 20},
      {"pids", pids, 1},
      {"output (bytes)", output_bytes, 0},
      {"file size (bytes)", file_size_bytes, 1},
      {"open files", open_files, 4},
      {"stack (bytes)", stack_bytes, 64 << 10},
      {"address space (bytes)", address_space_bytes, 0},
      {"box size (bytes)", box_bytes, 4096},
      {"tmp size (bytes)", tmp_bytes, 4096},
  };
  for (const auto& minimum : minimums) {
    if (minimum.value < minimum.least) {
      return std::string(minimum.name) + " must be at least " + std::to_string(minimum.least) +
             ", got " + std::to_string(minimum.value);
    }
  }
  if (!(cpu_cores > 0 && cpu_cores <= 1024)) return "cpu cores must be in (0, 1024]";
  return "";
}

const char* status_name(RunStatus status) {
  switch (status) {
    case RunStatus::kOk:
      return "ok";
    case RunStatus::kRuntimeError:
      return "runtime_error";
    case RunStatus::kSignaled:
      return "killed_by_signal";
    case RunStatus::kCpuTimeLimit:
      return "cpu_time_limit";
    case RunStatus::kWallTimeLimit:
      return "wall_time_limit";
    case RunStatus::kMemoryLimit:
      return "memory_limit";
    case RunStatus::kOutputLimit:
      return "output_limit";
    case RunStatus::kSecurityViolation:
      return "security_violation";
    case RunStatus::kInternalError:
      return "internal_error";
    case RunStatus::kCancelled:
      return "cancelled";
  }
  return "internal_error";
}

std::string signal_name(int signal_number) {
  const char* abbrev = sigabbrev_np(signal_number);
  if (abbrev == nullptr) return "SIG" + std::to_string(signal_number);
  return std::string("SIG") + abbrev;
}

}  // namespace codearena::sandbox
