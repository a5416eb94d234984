// The time stamps of jobs, nodes and requests: milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace codearena::common {

// Now by the system clock (wall time, which can step), in milliseconds since the Unix epoch.
// Thread-safe.
inline int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace codearena::common
