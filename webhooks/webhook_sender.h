// Delivers finished jobs to their callback URLs, in the background, with retries.
//
// The sender owns its delivery threads and a bounded, time-ordered queue: a delivery waiting for
// its next attempt holds no thread, so a slow or dead receiver only ever occupies one thread for
// one request timeout at a time. Every delivery ends in exactly one outcome report.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "webhooks/delivery_attempt.h"
#include "webhooks/webhook_config.h"

namespace codearena::webhooks {

// How a delivery ended, for the service's logs and counters.
struct DeliveryOutcome {
  std::string job_id;
  std::string url;  // Without query and credentials (redacted_url), so that logs may show it.
  bool delivered = false;
  int attempts = 0;        // Requests tried (0 when abandoned before the first one).
  std::string last_error;  // Empty when delivered.
  long last_http_status = 0;
};

// Called once per delivery on a delivery thread (or on the thread calling stop() for work
// abandoned in the queue). Must be thread-safe and quick; exceptions it throws are ignored.
using OutcomeCallback = std::function<void(const DeliveryOutcome&)>;

// Thread-safe: deliver(), pending() and stop() may be called from any thread.
class WebhookSender {
 public:
  // Starts config.threads delivery threads. Throws std::invalid_argument for a configuration
  // that cannot work (no threads, no attempts, zero capacity or timeouts).
  // `on_retry` (like `on_outcome`, on a delivery thread) hears of every attempt that failed
  // when another one follows: delivered is false, attempts counts the requests so far.
  explicit WebhookSender(WebhookConfig config, OutcomeCallback on_outcome = {},
                         OutcomeCallback on_retry = {});
  // stop(config.shutdown_grace) unless stop() was called already.
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Queues a POST of body to url and returns at once. False (and no outcome report) when
  // queue_capacity deliveries are already unfinished, when their bodies and this one would
  // exceed queue_capacity_bytes, or when the sender is stopping. A bad or refused
  // URL is accepted here and reported as a failed outcome.
  bool deliver(std::string job_id, std::string url, std::string body);

  // Deliveries accepted and not finished yet (queued, waiting to retry or in flight).
  size_t pending() const;

  // Stops taking work and keeps delivering what falls due within grace; then interrupts the
  // requests in flight, reports everything left as not delivered and joins the threads.
  // Returns after at most about grace plus one second (longer only while a DNS lookup hangs).
  // Later calls return at once.
  void stop(std::chrono::milliseconds grace);

 private:
  using Clock = std::chrono::steady_clock;
  struct Delivery {
    WebhookRequest request;
    int attempts = 0;
    AttemptResult last;
  };

  void run_deliveries();
  bool take_due(std::unique_lock<std::mutex>& lock, Delivery& delivery);
  bool reschedule(Delivery& delivery, std::mt19937_64& random);
  void report(const Delivery& delivery);
  static DeliveryOutcome outcome_of(const Delivery& delivery);
  static void notify(const OutcomeCallback& callback, const DeliveryOutcome& outcome);

  const WebhookConfig config_;
  const OutcomeCallback on_outcome_;
  const OutcomeCallback on_retry_;

  mutable std::mutex mutex_;
  std::condition_variable work_changed_;
  std::condition_variable worker_exited_;
  std::multimap<Clock::time_point, Delivery> queue_;  // By due time; FIFO among equals.
  size_t pending_ = 0;
  size_t pending_bytes_ = 0;  // Of the pending deliveries' bodies.
  size_t exited_workers_ = 0;
  bool stopping_ = false;
  Clock::time_point deadline_;
  std::atomic<bool> abandon_{false};

  std::mutex stop_mutex_;  // Serializes stop(); guards threads_.
  std::vector<std::thread> threads_;
};

}  // namespace codearena::webhooks
