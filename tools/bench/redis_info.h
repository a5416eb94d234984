// What a Redis server says it has done, from INFO: commands processed (in total and per
// command) and the server's CPU time. Two snapshots taken around a measurement give what the
// measured code cost the server, whatever client sent it (the job store, the leader lease).
//
// Commands a Lua script runs count like commands sent by a client, in the total and in their
// own command's calls (an EVALSHA running three HSETs counts four). The INFO command that takes
// a snapshot counts too; RedisCounters::difference() leaves INFO out.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace codearena::bench {

struct RedisCounters {
  int64_t commands = 0;                  // total_commands_processed
  std::map<std::string, int64_t> calls;  // per command, lower case: "evalsha", "hset", ...
  double cpu_seconds = 0;                // used_cpu_user + used_cpu_sys, every thread

  // What happened between `before` and this snapshot, without the INFO commands.
  RedisCounters difference(const RedisCounters& before) const;
};

// Parses the text of `INFO stats commandstats cpu`.
RedisCounters parse_redis_info(const std::string& info);

// Connects to `url` (redis://host:port[/db]), takes one snapshot and disconnects; throws what
// cluster::RedisConnection throws, or std::runtime_error when the answer is not INFO text.
RedisCounters redis_counters(const std::string& url);

}  // namespace codearena::bench
