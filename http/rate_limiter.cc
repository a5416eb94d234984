#include "http/rate_limiter.h"

#include <algorithm>

namespace codearena::http {
namespace {

int64_t seconds_up(int64_t ms) {
  return std::max<int64_t>(1, (ms + 999) / 1000);
}

}  // namespace

RateDecision window_decision(bool allowed, int64_t limit, int64_t counted, int64_t reset_ms) {
  RateDecision decision;
  decision.allowed = allowed;
  decision.limit = limit;
  decision.remaining = std::max<int64_t>(0, limit - counted);
  decision.reset_s = seconds_up(reset_ms);
  if (!allowed) decision.retry_after_s = decision.reset_s;
  return decision;
}

RateDecision RateLimiter::take(const std::string& key, int64_t now_ms) {
  if (limit_ <= 0) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  forget_idle(now_ms);
  auto& admitted = admitted_[key];
  while (!admitted.empty() && now_ms - admitted.front() >= kWindowMs) admitted.pop_front();
  const bool allowed = static_cast<int64_t>(admitted.size()) < limit_;
  if (allowed) admitted.push_back(now_ms);
  return window_decision(allowed, limit_, static_cast<int64_t>(admitted.size()),
                         admitted.front() + kWindowMs - now_ms);
}

void RateLimiter::forget_idle(int64_t now_ms) {
  if (now_ms - last_sweep_ms_ < kWindowMs) return;
  last_sweep_ms_ = now_ms;
  for (auto it = admitted_.begin(); it != admitted_.end();) {
    const bool idle = it->second.empty() || now_ms - it->second.back() >= kWindowMs;
    it = idle ? admitted_.erase(it) : std::next(it);
  }
}

}  // namespace codearena::http
