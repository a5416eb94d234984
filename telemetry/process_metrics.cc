#include "telemetry/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace codearena::telemetry {
namespace {

// /proc/self/statm: sizes in pages, the first the whole address space, the second resident.
double statm_bytes(int field) {
  std::ifstream statm("/proc/self/statm");
  double pages[2] = {NAN, NAN};
  if (!(statm >> pages[0] >> pages[1])) return NAN;
  return pages[field] * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double open_fds() {
  std::error_code error;
  std::filesystem::directory_iterator entries("/proc/self/fd", error);
  if (error) return NAN;
  double count = 0;
  for (auto entry = entries; entry != std::filesystem::directory_iterator();
       entry.increment(error)) {
    if (error) return NAN;
    ++count;
  }
  // The iterator's own descriptor is one of the entries.
  return count - 1;
}

double max_fds() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return NAN;
  return static_cast<double>(limit.rlim_cur);
}

}  // namespace

void register_process_metrics(Registry& registry) {
  registry.gauge("process_resident_memory_bytes", "Resident memory size in bytes.")
      .with()
      .set_callback([] { return statm_bytes(1); });
  registry.gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.")
      .with()
      .set_callback([] { return statm_bytes(0); });
  registry.gauge("process_open_fds", "Number of open file descriptors.")
      .with()
      .set_callback(open_fds);
  registry.gauge("process_max_fds", "Maximum number of open file descriptors.")
      .with()
      .set_callback(max_fds);
  // Registered at startup, before the node serves anything: close enough to the exec time
  // for what it is used for (restarts show up as jumps).
  const auto started =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  registry
      .gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.")
      .with()
      .set(started);
}

}  // namespace codearena::telemetry
