#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace codearena::http {

constexpr int64_t kMinuteMs = 60'000;

int64_t RateLimiter::take(const std::string& client, int64_t now_ms) {
  if (per_minute_ <= 0) return 0;
  std::lock_guard<std::mutex> lock(mutex_);
  forget_idle(now_ms);
  const double capacity = static_cast<double>(per_minute_);
  const auto [entry, created] = buckets_.try_emplace(client, Bucket{capacity, now_ms});
  Bucket& bucket = entry->second;
  if (!created) {
    const double refill = static_cast<double>(now_ms - bucket.updated_ms) * capacity / kMinuteMs;
    bucket.tokens = std::min(capacity, bucket.tokens + std::max(0.0, refill));
    bucket.updated_ms = now_ms;
  }
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return 0;
  }
  const double wait_ms = (1 - bucket.tokens) * kMinuteMs / capacity;
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_ms / 1000)));
}

void RateLimiter::forget_idle(int64_t now_ms) {
  if (now_ms - last_sweep_ms_ < kMinuteMs) return;
  last_sweep_ms_ = now_ms;
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = now_ms - it->second.updated_ms >= kMinuteMs ? buckets_.erase(it) : std::next(it);
  }
}

}  // namespace codearena::http
