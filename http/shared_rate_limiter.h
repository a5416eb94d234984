// The submissions budget shared by every API node of a cluster (with REDIS_URL): each request is
// one Lua script in Redis that keeps the key's sliding window (the same rule as RateLimiter) in a
// sorted set. Redis calls block, so they run on this limiter's own thread, never on an asio
// thread; the answer comes back through a callback on that thread.
//
// When Redis cannot be reached or refuses the script, the node decides with its own RateLimiter
// (each node then keeps its own window, as without Redis) and logs the outage once; it neither
// lets everything through nor refuses everything.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "cluster/redis_connection.h"
#include "http/rate_limiter.h"
#include "telemetry/log.h"

namespace codearena::http {

class SharedRateLimiter {
 public:
  using Callback = std::function<void(const RateDecision&)>;

  // Starts the thread; Redis is connected on first use. `fallback` (the node's own window, of the
  // same limit) and `logger` must outlive the limiter.
  SharedRateLimiter(int64_t limit, cluster::RedisOptions options, RateLimiter& fallback,
                    telemetry::Logger& logger);
  // Joins the thread; requests still queued get no callback.
  ~SharedRateLimiter();
  SharedRateLimiter(const SharedRateLimiter&) = delete;
  SharedRateLimiter& operator=(const SharedRateLimiter&) = delete;

  // Queues one request of `key`; `then` runs on the limiter's thread with the decision. When
  // the queue already holds kMaxQueued requests (Redis is slow), decides at once with the
  // fallback, on the caller's thread.
  void take(std::string key, Callback then);

  static constexpr size_t kMaxQueued = 1024;

 private:
  struct Pending {
    std::string key;
    Callback then;
  };
  void run();
  RateDecision decide(const std::string& key);
  RateDecision decide_locally(const std::string& key, const std::string& why);

  const int64_t limit_;
  const cluster::RedisOptions options_;
  RateLimiter& fallback_;
  telemetry::Logger& logger_;
  std::optional<cluster::RedisConnection> connection_;  // The thread's only.
  bool redis_down_ = false;                             // The thread's only.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace codearena::http
