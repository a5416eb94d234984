// Redis INFO snapshots: see redis_info.h.
#include "tools/bench/redis_info.h"

#include <sstream>
#include <stdexcept>

#include "cluster/redis_connection.h"

namespace codearena::bench {
namespace {

const char kCommandStatPrefix[] = "cmdstat_";

// "calls=12,usec=..." -> 12.
int64_t calls_of(const std::string& stat) {
  const std::string marker = "calls=";
  if (stat.compare(0, marker.size(), marker) != 0) return 0;
  return std::stoll(stat.substr(marker.size()));
}

}  // namespace

RedisCounters RedisCounters::difference(const RedisCounters& before) const {
  RedisCounters delta;
  for (const auto& [command, count] : calls) {
    const auto earlier = before.calls.find(command);
    const int64_t change = count - (earlier == before.calls.end() ? 0 : earlier->second);
    if (change > 0 && command != "info") delta.calls[command] = change;
  }
  const auto info_now = calls.find("info");
  const auto info_before = before.calls.find("info");
  const int64_t info_calls = (info_now == calls.end() ? 0 : info_now->second) -
                             (info_before == before.calls.end() ? 0 : info_before->second);
  delta.commands = commands - before.commands - info_calls;
  delta.cpu_seconds = cpu_seconds - before.cpu_seconds;
  return delta;
}

RedisCounters parse_redis_info(const std::string& info) {
  RedisCounters counters;
  std::istringstream lines(info);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const std::string value = line.substr(colon + 1);
    if (key == "total_commands_processed") {
      counters.commands = std::stoll(value);
    } else if (key == "used_cpu_user" || key == "used_cpu_sys") {
      counters.cpu_seconds += std::stod(value);
    } else if (key.compare(0, sizeof kCommandStatPrefix - 1, kCommandStatPrefix) == 0) {
      counters.calls[key.substr(sizeof kCommandStatPrefix - 1)] = calls_of(value);
    }
  }
  return counters;
}

RedisCounters redis_counters(const std::string& url) {
  cluster::RedisOptions options;
  options.url = url;
  cluster::RedisConnection connection(options);
  const cluster::RedisReply reply = connection.command({"INFO", "stats", "commandstats", "cpu"});
  if (reply.type != cluster::RedisReply::Type::kString) {
    throw std::runtime_error("redis INFO at " + url + " answered " +
                             (reply.is_error() ? reply.text : "no text"));
  }
  return parse_redis_info(reply.text);
}

}  // namespace codearena::bench
