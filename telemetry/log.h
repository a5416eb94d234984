// Structured logs: one JSON object per line, as log collectors (Loki, Fluent Bit, CloudWatch)
// read them from a container's stderr.
#pragma once

#include <unistd.h>

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace codearena::telemetry {

enum class LogLevel { debug, info, warn, error };

// Reads a LOG_LEVEL value ("debug", "info", "warn", "error", in any case); throws
// std::invalid_argument naming the bad text and listing the valid values.
LogLevel parse_log_level(std::string_view text);
// The lowercase name parse_log_level() reads back.
const char* log_level_name(LogLevel level);

// Writes lines such as
//   {"time":"2026-11-25T21:59:52.123Z","level":"info","event":"http_request","status":200}
// to a file descriptor it does not own (stderr by default), each with one write(2) (more only
// if the kernel takes part of a line) under a lock, so lines from several threads never mix.
// Thread-safe. Logging never throws for a failed write (the rest of the line is dropped) nor
// for invalid UTF-8 (replaced by U+FFFD).
class Logger {
 public:
  explicit Logger(LogLevel min_level = LogLevel::info, int fd = STDERR_FILENO);
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // Whether log() writes at this level: check it before building costly fields.
  bool enabled(LogLevel level) const { return level >= min_level_; }

  // Writes one line if the level is enabled. The members of the `fields` object follow
  // "event" (a field named time, level or event is written as _time, _level or _event); null
  // adds nothing, and any other value is written under the key "fields".
  void log(LogLevel level, std::string_view event, const nlohmann::json& fields = nullptr);

 private:
  void write_line(const std::string& line);

  const LogLevel min_level_;
  const int fd_;
  std::mutex write_mutex_;
};

}  // namespace codearena::telemetry
