#include "sandbox/rlimits.h"

#include <sys/resource.h>

#include <cerrno>

namespace codearena::sandbox {
namespace {

int set_limit(int resource, rlim_t soft, rlim_t hard) {
  const rlimit value{soft, hard};
  return ::setrlimit(resource, &value) == 0 ? 0 : errno;
}

}  // namespace

ProcessLimits process_limits_for(const RunLimits& limits) {
  ProcessLimits result;
  result.cpu_seconds = limits.cpu_ms / 1000 + 1;
  result.file_size_bytes = limits.file_size_bytes;
  result.open_files = limits.open_files;
  result.stack_bytes = limits.stack_bytes;
  result.address_space_bytes = limits.address_space_bytes;
  return result;
}

int apply_process_limits(const ProcessLimits& limits, const char** step) {
  struct Entry {
    int resource;
    rlim_t soft;
    rlim_t hard;
    const char* name;
  };
  const auto or_infinity = [](int64_t value) {
    return value > 0 ? static_cast<rlim_t>(value) : RLIM_INFINITY;
  };
  const Entry entries[] = {
      {RLIMIT_CORE, 0, 0, "RLIMIT_CORE"},
      {RLIMIT_CPU, static_cast<rlim_t>(limits.cpu_seconds),
       static_cast<rlim_t>(limits.cpu_seconds + 1), "RLIMIT_CPU"},
      {RLIMIT_FSIZE, or_infinity(limits.file_size_bytes), or_infinity(limits.file_size_bytes),
       "RLIMIT_FSIZE"},
      {RLIMIT_STACK, or_infinity(limits.stack_bytes), or_infinity(limits.stack_bytes),
       "RLIMIT_STACK"},
      {RLIMIT_AS, or_infinity(limits.address_space_bytes), or_infinity(limits.address_space_bytes),
       "RLIMIT_AS"},
      {RLIMIT_MEMLOCK, 0, 0, "RLIMIT_MEMLOCK"},
      {RLIMIT_MSGQUEUE, 0, 0, "RLIMIT_MSGQUEUE"},
      // Whatever the engine was started with: no real-time or raised priority, which could
      // starve other slots past their CPU quota.
      {RLIMIT_RTPRIO, 0, 0, "RLIMIT_RTPRIO"},
      {RLIMIT_NICE, 0, 0, "RLIMIT_NICE"},
  };
  for (const auto& entry : entries) {
    if (const int error = set_limit(entry.resource, entry.soft, entry.hard); error != 0) {
      *step = entry.name;
      return error;
    }
  }
  return 0;
}

int apply_open_files_limit(const ProcessLimits& limits) {
  const auto open_files = static_cast<rlim_t>(limits.open_files);
  return set_limit(RLIMIT_NOFILE, open_files, open_files);
}

}  // namespace codearena::sandbox
