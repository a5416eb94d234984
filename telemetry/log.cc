#include "telemetry/log.h"

#include <cerrno>
#include <stdexcept>

#include "common/epoch_ms.h"
#include "common/json_text.h"

namespace codearena::telemetry {
namespace {

constexpr LogLevel kLevels[] = {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error};

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char lower = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (lower != b[i]) return false;
  }
  return true;
}

bool is_reserved_key(const std::string& key) {
  return key == "time" || key == "level" || key == "event";
}

void append_member(std::string& line, const std::string& key, const nlohmann::json& value) {
  line += ',';
  line += common::lossy_json_text(key);
  line += ':';
  line += common::lossy_json_text(value);
}

}  // namespace

LogLevel parse_log_level(std::string_view text) {
  for (LogLevel level : kLevels) {
    if (equals_ignoring_case(text, log_level_name(level))) return level;
  }
  throw std::invalid_argument("unknown log level \"" + std::string(text) +
                              "\" (valid: debug, info, warn, error)");
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
  }
  return "unknown";
}

Logger::Logger(LogLevel min_level, int fd) : min_level_(min_level), fd_(fd) {}

void Logger::log(LogLevel level, std::string_view event, const nlohmann::json& fields) {
  if (!enabled(level)) return;
  std::string line = "{\"time\":\"";
  line += common::iso8601_utc(common::epoch_ms());
  line += "\",\"level\":\"";
  line += log_level_name(level);
  line += "\",\"event\":";
  line += common::lossy_json_text(std::string(event));
  if (fields.is_object()) {
    for (const auto& member : fields.items()) {
      append_member(line, is_reserved_key(member.key()) ? "_" + member.key() : member.key(),
                    member.value());
    }
  } else if (!fields.is_null()) {
    append_member(line, "fields", fields);
  }
  line += "}\n";
  write_line(line);
}

void Logger::write_line(const std::string& line) {
  std::lock_guard<std::mutex> lock(write_mutex_);
  size_t written = 0;
  while (written < line.size()) {
    ssize_t done = ::write(fd_, line.data() + written, line.size() - written);
    if (done < 0 && errno == EINTR) continue;
    if (done <= 0) return;  // a log line is not worth failing the caller for
    written += static_cast<size_t>(done);
  }
}

}  // namespace codearena::telemetry
