#include "http/shared_rate_limiter.h"

#include "cluster/errors.h"
#include "common/epoch_ms.h"

namespace codearena::http {
namespace {

// KEYS[1]: the key's sorted set of admitted requests (score: Redis's clock in ms, so the nodes'
// clocks do not matter). ARGV: window ms, limit. Returns {admitted 0/1, counted, reset ms}.
// A member is its time and the count at that time: unique, since nothing added in this
// millisecond leaves the window during it.
const cluster::RedisScript& window_script() {
  static const cluster::RedisScript script(R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local counted = redis.call('ZCARD', KEYS[1])
local admitted = 0
if counted < limit then
  counted = counted + 1
  redis.call('ZADD', KEYS[1], now, now .. '-' .. counted)
  admitted = 1
end
local oldest = tonumber(redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2])
redis.call('PEXPIRE', KEYS[1], window)
return {admitted, counted, oldest + window - now}
)lua");
  return script;
}

}  // namespace

SharedRateLimiter::SharedRateLimiter(int64_t limit, cluster::RedisOptions options,
                                     RateLimiter& fallback, telemetry::Logger& logger)
    : limit_(limit),
      options_(std::move(options)),
      fallback_(fallback),
      logger_(logger),
      thread_([this] { run(); }) {}

SharedRateLimiter::~SharedRateLimiter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void SharedRateLimiter::take(std::string key, Callback then) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() < kMaxQueued) {
      queue_.push_back({std::move(key), std::move(then)});
      wake_.notify_one();
      return;
    }
  }
  then(fallback_.take(key, common::epoch_ms()));
}

void SharedRateLimiter::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    Pending next = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    next.then(decide(next.key));
    lock.lock();
  }
}

RateDecision SharedRateLimiter::decide(const std::string& key) {
  cluster::RedisReply reply;
  try {
    if (!connection_) connection_.emplace(options_);
    reply =
        connection_->run_script(window_script(), {options_.key_prefix + "rate:" + key},
                                {std::to_string(RateLimiter::kWindowMs), std::to_string(limit_)});
  } catch (const cluster::StoreUnavailableError& error) {
    connection_.reset();
    return decide_locally(key, error.what());
  }
  if (reply.type != cluster::RedisReply::Type::kArray || reply.elements.size() != 3)
    return decide_locally(key, "the rate-limit script answered " + reply.text);
  if (redis_down_) {
    redis_down_ = false;
    logger_.log(telemetry::LogLevel::info, "rate_limit_redis_back", nullptr);
  }
  return window_decision(reply.elements[0].integer == 1, limit_, reply.elements[1].integer,
                         reply.elements[2].integer);
}

RateDecision SharedRateLimiter::decide_locally(const std::string& key, const std::string& why) {
  if (!redis_down_) {
    redis_down_ = true;
    logger_.log(
        telemetry::LogLevel::warn, "rate_limit_redis_unavailable",
        {{"message", "rate limits are kept by this node alone until Redis answers: " + why}});
  }
  return fallback_.take(key, common::epoch_ms());
}

}  // namespace codearena::http
