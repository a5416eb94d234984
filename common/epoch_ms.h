// The time stamps of jobs, nodes and requests: milliseconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

namespace codearena::common {

// Now by the system clock (wall time, which can step), in milliseconds since the Unix epoch.
// Thread-safe.
inline int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `epoch_ms` as the API and the logs write times: UTC with milliseconds, e.g.
// "2026-11-25T21:59:52.123Z" (times before the epoch too). Thread-safe.
inline std::string iso8601_utc(int64_t epoch_ms) {
  const int64_t millis = ((epoch_ms % 1000) + 1000) % 1000;
  const std::time_t seconds = static_cast<std::time_t>((epoch_ms - millis) / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[80];  // -Wformat-truncation sizes every field for the widest int
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

}  // namespace codearena::common
