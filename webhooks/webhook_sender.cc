#include "webhooks/webhook_sender.h"

#include <algorithm>
#include <stdexcept>

#include "webhooks/backoff.h"
#include "webhooks/destination.h"

namespace codearena::webhooks {
namespace {

void check_config(const WebhookConfig& config) {
  if (config.threads < 1) throw std::invalid_argument("webhook threads must be at least 1");
  if (config.max_attempts < 1)
    throw std::invalid_argument("webhook max attempts must be at least 1");
  if (config.queue_capacity < 1 || config.queue_capacity_bytes < 1)
    throw std::invalid_argument("webhook queue capacity must be at least 1 (delivery and byte)");
  if (config.timeout.count() <= 0 || config.connect_timeout.count() <= 0)
    throw std::invalid_argument("webhook timeouts must be positive");
}

}  // namespace

WebhookSender::WebhookSender(WebhookConfig config, OutcomeCallback on_outcome,
                             OutcomeCallback on_retry)
    : config_(std::move(config)),
      on_outcome_(std::move(on_outcome)),
      on_retry_(std::move(on_retry)) {
  check_config(config_);
  initialize_http_client();
  for (int i = 0; i < config_.threads; ++i) threads_.emplace_back([this] { run_deliveries(); });
}

WebhookSender::~WebhookSender() {
  stop(config_.shutdown_grace);
}

bool WebhookSender::deliver(std::string job_id, std::string url, std::string body) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_ || pending_ >= config_.queue_capacity ||
      pending_bytes_ + body.size() > config_.queue_capacity_bytes)
    return false;
  ++pending_;
  pending_bytes_ += body.size();
  Delivery delivery;
  delivery.request = {std::move(job_id), std::move(url), std::move(body)};
  queue_.emplace(Clock::now(), std::move(delivery));
  work_changed_.notify_one();
  return true;
}

size_t WebhookSender::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_;
}

void WebhookSender::run_deliveries() {
  std::mt19937_64 random(std::random_device{}());
  std::unique_lock<std::mutex> lock(mutex_);
  Delivery delivery;
  while (take_due(lock, delivery)) {
    lock.unlock();
    ++delivery.attempts;
    try {
      delivery.last = attempt_delivery(delivery.request, config_, abandon_);
    } catch (const std::exception& error) {
      delivery.last = AttemptResult{AttemptVerdict::give_up, error.what()};
    }
    const DeliveryOutcome so_far = outcome_of(delivery);
    lock.lock();
    if (reschedule(delivery, random)) {
      lock.unlock();
      notify(on_retry_, so_far);
      lock.lock();
      continue;
    }
    --pending_;
    pending_bytes_ -= delivery.request.body.size();
    lock.unlock();
    report(delivery);
    lock.lock();
  }
  ++exited_workers_;
  worker_exited_.notify_all();
}

// Waits until the earliest queued delivery is due and moves it into `delivery`. False when the
// thread should end: shutdown abandons in-flight work, or nothing is left to do before the
// shutdown deadline.
bool WebhookSender::take_due(std::unique_lock<std::mutex>& lock, Delivery& delivery) {
  while (!abandon_) {
    if (queue_.empty()) {
      if (stopping_) return false;
      work_changed_.wait(lock);
      continue;
    }
    const Clock::time_point due = queue_.begin()->first;
    if (stopping_ && due > deadline_) return false;
    if (due <= Clock::now()) {
      delivery = std::move(queue_.begin()->second);
      queue_.erase(queue_.begin());
      return true;
    }
    work_changed_.wait_until(lock, due);
  }
  return false;
}

// Puts a delivery whose attempt failed in a retryable way back in the queue, due after a
// jittered backoff (or the receiver's Retry-After, within max_backoff). Called with the lock.
bool WebhookSender::reschedule(Delivery& delivery, std::mt19937_64& random) {
  if (delivery.last.verdict != AttemptVerdict::retry || delivery.attempts >= config_.max_attempts)
    return false;
  auto wait =
      jittered_backoff(delivery.attempts, config_.first_backoff, config_.max_backoff, random);
  wait = std::min(std::max(wait, delivery.last.retry_after), config_.max_backoff);
  queue_.emplace(Clock::now() + wait, std::move(delivery));
  work_changed_.notify_one();
  return true;
}

DeliveryOutcome WebhookSender::outcome_of(const Delivery& delivery) {
  DeliveryOutcome outcome;
  outcome.job_id = delivery.request.job_id;
  outcome.url = redacted_url(delivery.request.url);
  outcome.delivered = delivery.last.verdict == AttemptVerdict::delivered;
  outcome.attempts = delivery.attempts;
  outcome.last_error = delivery.last.error;
  outcome.last_http_status = delivery.last.http_status;
  return outcome;
}

void WebhookSender::notify(const OutcomeCallback& callback, const DeliveryOutcome& outcome) {
  if (!callback) return;
  try {
    callback(outcome);
  } catch (...) {
    // A failing logger must not take a delivery thread down with it.
  }
}

void WebhookSender::report(const Delivery& delivery) {
  notify(on_outcome_, outcome_of(delivery));
}

void WebhookSender::stop(std::chrono::milliseconds grace) {
  std::lock_guard<std::mutex> stop_guard(stop_mutex_);
  if (threads_.empty()) return;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_ = true;
    deadline_ = Clock::now() + grace;
    work_changed_.notify_all();
    worker_exited_.wait_until(lock, deadline_,
                              [this] { return exited_workers_ == threads_.size(); });
    abandon_ = true;
    work_changed_.notify_all();
  }
  for (auto& thread : threads_) thread.join();
  threads_.clear();

  std::multimap<Clock::time_point, Delivery> left;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    left.swap(queue_);
    pending_ -= left.size();
    for (const auto& [due, delivery] : left) pending_bytes_ -= delivery.request.body.size();
  }
  for (auto& [due, delivery] : left) {
    const std::string last_error = delivery.last.error;
    delivery.last.verdict = AttemptVerdict::abandoned;
    delivery.last.error = "abandoned at shutdown after " + std::to_string(delivery.attempts) +
                          " attempt(s)" + (last_error.empty() ? "" : "; last error: " + last_error);
    report(delivery);
  }
}

}  // namespace codearena::webhooks
