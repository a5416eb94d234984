// A sliding-window rate limit: at most `limit` requests per key within any 60 s, exactly (a
// key's admitted requests are remembered for a minute, so no burst at a window's edge can
// exceed the budget). Keys are a token's subject or a client address (docs/api.md). Thread-safe.
// Memory is bounded by the keys active in the last minute times `limit` timestamps; keys idle
// for a minute are dropped.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace codearena::http {

// The answer to one request, and the RateLimit-* headers (IETF draft) that describe the key's
// budget after it.
struct RateDecision {
  bool allowed = true;
  int64_t limit = 0;          // Requests per window; 0: unlimited (no headers are sent).
  int64_t remaining = 0;      // Requests the key may still make now.
  int64_t reset_s = 0;        // Seconds until the oldest counted request leaves the window.
  int64_t retry_after_s = 0;  // When refused: seconds until one more request is admitted.
};

// The decision for a key that has `counted` requests in its window after this one was
// admitted or refused, the oldest of which leaves the window in `reset_ms`.
RateDecision window_decision(bool allowed, int64_t limit, int64_t counted, int64_t reset_ms);

class RateLimiter {
 public:
  static constexpr int64_t kWindowMs = 60'000;

  // `limit` requests per key per window; 0 or less lets everything through.
  explicit RateLimiter(int64_t limit) : limit_(limit) {}

  // Counts one request of `key` at `now_ms` when the window has room for it, else refuses it
  // (a refused request is not counted).
  RateDecision take(const std::string& key, int64_t now_ms);

 private:
  void forget_idle(int64_t now_ms);

  const int64_t limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<int64_t>> admitted_;  // Oldest first.
  int64_t last_sweep_ms_ = 0;
};

}  // namespace codearena::http
