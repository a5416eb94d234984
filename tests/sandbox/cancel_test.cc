// Cancelling runs: a run killed mid-way by its token from another thread, a token cancelled
// before the run, and a run cancelled while it waits for a slot; the slot is clean afterwards.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "sandbox/supervisor.h"
#include "tests/sandbox/sandbox_test_support.h"

using codearena::sandbox::CancelToken;

namespace {

using Clock = std::chrono::steady_clock;

// A run of programs/sleep that would take 30 s, with limits far above the time it will be
// given before it is cancelled.
RunRequest long_sleep_request() {
  RunRequest request = program_request("sleep", {"30"});
  request.limits.wall_ms = 20'000;
  request.cancel_token = std::make_shared<CancelToken>();
  return request;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Waits until `done` is set or a few seconds passed; returns whether it was set.
bool wait_for(const std::atomic<bool>& done, double seconds) {
  const auto start = Clock::now();
  while (!done && seconds_since(start) < seconds) ::usleep(5000);
  return done;
}

}  // namespace

// Proves a cancel from another thread kills a running program at once (long before its wall
// limit), reports it as cancelled, and leaves the slot clean with the same keeper.
TEST_CASE("cancel: a sleeping run is killed mid-run and the slot is clean", "[cancel]") {
  auto lease = engine().slots().acquire();
  REQUIRE(lease->run(program_request("exit_code", {"0"})).status == RunStatus::kOk);
  const auto keepers = keeper_pids();
  const RunRequest request = long_sleep_request();
  std::atomic<bool> running{false};
  std::thread canceller([&] {
    // The program is running once its process is in the slot's cgroup.
    const auto start = Clock::now();
    while (!lease->cgroup().holds_processes() && seconds_since(start) < 10) ::usleep(2000);
    running = lease->cgroup().holds_processes();
    request.cancel_token->cancel();
  });
  const auto start = Clock::now();
  const RunResult result = lease->run(request);
  const double took = seconds_since(start);
  canceller.join();
  INFO(describe(result) << "\ntook " << took << " s");
  REQUIRE(running);
  CHECK(result.status == RunStatus::kCancelled);
  CHECK(result.message == "cancelled");
  CHECK(result.stdout_data.empty());
  CHECK(took < 10);
  CHECK(keeper_pids() == keepers);
  expect_clean_slot(lease);
}

// Proves a token cancelled before the run starts nothing: no output, no time used, and the
// keeper of the slot is untouched.
TEST_CASE("cancel: a token cancelled before the run starts nothing", "[cancel]") {
  RunRequest request = program_request("echo_stdin");
  request.cancel_token = std::make_shared<CancelToken>();
  request.cancel_token->cancel();
  const auto keepers = keeper_pids();
  const RunResult through_sandbox = engine().run(request);
  INFO(describe(through_sandbox));
  CHECK(through_sandbox.status == RunStatus::kCancelled);
  CHECK(through_sandbox.message == "cancelled before it started");
  CHECK(through_sandbox.stdout_data.empty());
  CHECK(through_sandbox.wall_ms == 0);

  auto lease = engine().slots().acquire();
  const RunResult on_slot = lease->run(request);
  INFO(describe(on_slot));
  CHECK(on_slot.status == RunStatus::kCancelled);
  CHECK(on_slot.stdout_data.empty());
  CHECK(keeper_pids() == keepers);
  CHECK(!lease->cgroup().holds_processes());
}

// Proves Sandbox::run gives up waiting for a slot as soon as its token is cancelled, while the
// slot stays with its holder and serves runs afterwards.
TEST_CASE("cancel: a run waiting for a slot gives up when cancelled", "[cancel]") {
  REQUIRE(engine().slot_count() == 1);
  std::optional<SlotPool::Lease> lease(engine().slots().acquire());
  CHECK(engine().free_slot_count() == 0);
  RunRequest request = program_request("echo_stdin");
  request.cancel_token = std::make_shared<CancelToken>();
  std::atomic<bool> done{false};
  RunResult result;
  std::thread waiter([&] {
    result = engine().run(request);
    done = true;
  });
  CHECK_FALSE(wait_for(done, 0.3));  // Still waiting: the only slot is held.
  request.cancel_token->cancel();
  const bool gave_up = wait_for(done, 5);
  if (!gave_up) lease.reset();  // Let the waiter finish so the test can report the failure.
  waiter.join();
  INFO(describe(result));
  CHECK(gave_up);
  CHECK(result.status == RunStatus::kCancelled);
  CHECK(result.message == "cancelled before it started");
  CHECK(result.stdout_data.empty());
  if (lease) expect_clean_slot(*lease);
  lease.reset();
  CHECK(engine().free_slot_count() == 1);
  CHECK(engine().run(program_request("exit_code", {"0"})).status == RunStatus::kOk);
}

// Proves cancelling one of two waiters neither hands it the slot nor strands the other: the
// slot, once freed, goes to the waiter that was not cancelled.
TEST_CASE("cancel: a freed slot goes to the waiter that was not cancelled", "[cancel]") {
  std::optional<SlotPool::Lease> lease(engine().slots().acquire());
  RunRequest cancelled = program_request("exit_code", {"0"});
  cancelled.cancel_token = std::make_shared<CancelToken>();
  RunRequest kept = program_request("exit_code", {"0"});
  kept.cancel_token = std::make_shared<CancelToken>();
  RunResult cancelled_result;
  RunResult kept_result;
  std::atomic<bool> kept_done{false};
  std::thread first([&] { cancelled_result = engine().run(cancelled); });
  std::thread second([&] {
    kept_result = engine().run(kept);
    kept_done = true;
  });
  ::usleep(200'000);  // Both are waiting now (or soon; either order proves the same).
  cancelled.cancel_token->cancel();
  first.join();
  lease.reset();
  const bool ran = wait_for(kept_done, 10);
  if (!ran) kept.cancel_token->cancel();
  second.join();
  CHECK(cancelled_result.status == RunStatus::kCancelled);
  CHECK(ran);
  CHECK(kept_result.status == RunStatus::kOk);
}
