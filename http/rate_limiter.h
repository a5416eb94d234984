// Per-client submission rate limit (API_RATE_LIMIT requests per minute per address): a token
// bucket per address that refills continuously, so a client may burst up to the limit and then
// continues at the limit's pace. Thread-safe. Memory stays bounded: buckets of clients idle for
// a full minute are dropped (a full bucket and no bucket behave the same).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace codearena::http {

class RateLimiter {
 public:
  explicit RateLimiter(int64_t per_minute) : per_minute_(per_minute) {}

  // 0 when `client` may go ahead (and takes a token), else the seconds until it may retry.
  // A limit of 0 or less lets everything through.
  int64_t take(const std::string& client, int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_ms = 0;
  };
  void forget_idle(int64_t now_ms);

  const int64_t per_minute_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  int64_t last_sweep_ms_ = 0;
};

}  // namespace codearena::http
