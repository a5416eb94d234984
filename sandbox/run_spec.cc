#include "sandbox/run_spec.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstring>

namespace codearena::sandbox {

int64_t RunLimits::wall_limit_ms() const {
  if (wall_ms > 0) return wall_ms;
  const double cores = std::clamp(cpu_cores, 0.01, 64.0);
  return static_cast<int64_t>(std::ceil(cpu_ms / std::min(cores, 1.0))) + 1000;
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
  }
  return "internal_error";
}

std::string signal_name(int signal_number) {
  const char* abbrev = sigabbrev_np(signal_number);
  if (abbrev == nullptr) return "SIG" + std::to_string(signal_number);
  return std::string("SIG") + abbrev;
}

}  // namespace codearena::sandbox
