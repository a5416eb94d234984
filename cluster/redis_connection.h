// A blocking connection to one Redis server (hiredis), shared by the Redis job store and the
// leader lease: URL parsing, pipelined commands, Lua scripts by SHA, and command counters.
//
// Not thread-safe (neither is a hiredis context): one connection per thread or detached actor.
// When a call fails on the network (refused, timed out, dropped), the context is freed and
// StoreUnavailableError is thrown; the next call connects again. Whether the failed commands
// reached the server is unknown, so callers only send commands that are safe to repeat.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

struct redisContext;

namespace codearena::cluster {

// Where a Redis server is: `redis://host[:port][/db]`, port 6379 and db 0 by default.
struct RedisEndpoint {
  std::string host;
  int port = 6379;
  int db = 0;
};

// Throws std::invalid_argument naming the URL and what is wrong with it.
RedisEndpoint parse_redis_url(const std::string& url);

struct RedisOptions {
  std::string url = "redis://127.0.0.1:6379";
  // Bounds connecting and every command; a slower answer counts as a broken connection.
  std::chrono::milliseconds timeout{2000};
  // Prepended to every key, so several deployments can share one Redis.
  std::string key_prefix = "codearena:";
  // Sent with AUTH on every new connection (Redis `requirepass`); empty: no AUTH.
  std::string password;
};

// One reply, copied out of hiredis. Error replies are values (kError with the text), not
// exceptions: a script's refusal is an answer, not a broken connection.
struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus, kError };
  Type type = Type::kNil;
  std::string text;  // kString, kStatus, kError.
  long long integer = 0;
  std::vector<RedisReply> elements;

  bool is_error() const { return type == Type::kError; }
};

using RedisCommand = std::vector<std::string>;

// A Lua script run with EVALSHA; its SHA-1 is computed here, so the first call needs no
// SCRIPT LOAD.
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

class RedisConnection {
 public:
  // Connects at once (and SELECTs the db): throws StoreUnavailableError when Redis cannot be
  // reached, std::invalid_argument for a bad URL.
  explicit RedisConnection(const RedisOptions& options);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends every command in one write, then reads every reply: one round trip.
  std::vector<RedisReply> pipeline(const std::vector<RedisCommand>& commands);
  RedisReply command(const RedisCommand& command);
  // EVALSHA; when the server does not know the script (restarted, flushed) it is sent once
  // more with EVAL, which also caches it.
  RedisReply run_script(const RedisScript& script, const std::vector<std::string>& keys,
                        const std::vector<std::string>& args);

  int64_t commands_sent() const { return commands_sent_; }
  int64_t round_trips() const { return round_trips_; }
  int64_t connects() const { return connects_; }

 private:
  void ensure_connected();
  // Drops the connection and throws StoreError when a setup command (`what`) was refused.
  void refuse_unless_ok(const RedisReply& reply, const std::string& what);
  [[noreturn]] void fail(const std::string& what);

  const RedisEndpoint endpoint_;
  const std::chrono::milliseconds timeout_;
  const std::string password_;
  redisContext* context_ = nullptr;
  int64_t commands_sent_ = 0;
  int64_t round_trips_ = 0;
  int64_t connects_ = 0;
};

// The key layout both the store and the lease use under one prefix (see docs/cluster.md).
struct RedisKeys {
  std::string prefix;
  // The fencing token: the last leader epoch. The lease INCRs it, store writes check it.
  std::string epoch() const { return prefix + "epoch"; }
  std::string lease() const { return prefix + "leader"; }
  std::string job(const std::string& job_id) const { return prefix + "job:" + job_id; }
  std::string unfinished() const { return prefix + "jobs:unfinished"; }
};

}  // namespace codearena::cluster
