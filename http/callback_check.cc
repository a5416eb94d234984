#include "http/callback_check.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "webhooks/callback_url.h"
#include "webhooks/destination.h"

namespace codearena::http {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<ApiError> verdict(const std::string& url, const std::string& refusal) {
  if (refusal.empty()) return std::nullopt;
  return ApiError(400, "callback_not_allowed",
                  "'callbackUrl': " + webhooks::redacted_url(url) + " can never receive the " +
                      "webhook: " + refusal +
                      " (the server refuses such destinations; WEBHOOK_ALLOW_PRIVATE lifts this "
                      "for private and loopback addresses)");
}

}  // namespace

// One check waiting for, or in, a resolution; answered once, by its resolver or its deadline.
struct CallbackChecks::Pending {
  webhooks::CallbackUrl url;
  Done done;
  Clock::time_point deadline;
  bool answered = false;  // Guarded by State::mutex.
};

struct CallbackChecks::State {
  State(webhooks::AddressPolicy address_policy, std::chrono::milliseconds wait)
      : policy(std::move(address_policy)), patience(wait) {}

  const webhooks::AddressPolicy policy;
  const std::chrono::milliseconds patience;
  std::mutex mutex;
  std::condition_variable work;     // A check was queued, or the checks end.
  std::condition_variable changed;  // A deadline is set or the checks end.
  // Every check by deadline, earliest first, until the deadline passes (answered ones too);
  // queued ones are not taken by a resolver yet.
  std::deque<std::shared_ptr<Pending>> by_deadline;
  std::deque<std::shared_ptr<Pending>> queued;
  bool ending = false;

  // Answers `pending` unless it was answered already; called with `mutex` held.
  static void answer(Pending& pending, std::optional<ApiError> result) {
    if (pending.answered) return;
    pending.answered = true;
    pending.done(std::move(result));
    pending.done = nullptr;  // What it holds (the request) goes now, not at the deadline.
  }
};

CallbackChecks::CallbackChecks(webhooks::AddressPolicy policy, std::chrono::milliseconds patience,
                               std::size_t resolvers)
    : state_(std::make_shared<State>(std::move(policy), patience)) {
  for (std::size_t i = 0; i < resolvers; ++i) std::thread(resolve_forever, state_).detach();
  std::thread(expire_forever, state_).detach();
}

CallbackChecks::~CallbackChecks() {
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->ending = true;
  state_->queued.clear();
  state_->by_deadline.clear();
  state_->work.notify_all();
  state_->changed.notify_all();
}

void CallbackChecks::check(const std::string& url, Done done) {
  if (url.empty()) return done(std::nullopt);
  auto parsed = webhooks::parse_callback_url(url);
  if (webhooks::IpAddress::parse(parsed.host)) {  // No name to resolve.
    return done(verdict(url, webhooks::destination_refusal(parsed, state_->policy)));
  }
  auto pending = std::make_shared<Pending>(
      Pending{std::move(parsed), std::move(done), Clock::now() + state_->patience});
  std::lock_guard<std::mutex> lock(state_->mutex);
  state_->by_deadline.push_back(pending);
  state_->queued.push_back(pending);
  state_->work.notify_one();
  state_->changed.notify_one();
}

void CallbackChecks::resolve_forever(std::shared_ptr<State> state) {
  std::unique_lock<std::mutex> lock(state->mutex);
  while (true) {
    state->work.wait(lock, [&] { return state->ending || !state->queued.empty(); });
    if (state->ending) return;
    auto pending = std::move(state->queued.front());
    state->queued.pop_front();
    lock.unlock();
    auto refusal = webhooks::destination_refusal(pending->url, state->policy);
    lock.lock();
    if (state->ending) return;
    State::answer(*pending, verdict(pending->url.url, refusal));
  }
}

void CallbackChecks::expire_forever(std::shared_ptr<State> state) {
  std::unique_lock<std::mutex> lock(state->mutex);
  while (!state->ending) {
    if (state->by_deadline.empty()) {
      state->changed.wait(lock);
      continue;
    }
    const auto earliest = state->by_deadline.front();
    if (!earliest->answered && Clock::now() < earliest->deadline) {
      state->changed.wait_until(lock, earliest->deadline);
      continue;
    }
    state->by_deadline.pop_front();
    if (earliest->answered) continue;
    // Passed unjudged: delivery resolves the name again and refuses what the policy refuses.
    state->queued.erase(std::remove(state->queued.begin(), state->queued.end(), earliest),
                        state->queued.end());
    State::answer(*earliest, std::nullopt);
  }
}

}  // namespace codearena::http
