// The leader lease on a private redis-server: one holder at a time, renewals, expiry with a
// higher epoch for the next holder, release, and a paused leader fenced out of the store.
#include <catch2/catch.hpp>

#include <thread>

#include "cluster/errors.h"
#include "cluster/leader_lease.h"
#include "cluster/redis_job_store.h"
#include "tests/cluster/job_samples.h"
#include "tests/support/redis_server.h"

using namespace codearena::cluster;
using namespace codearena::cluster::testing;
using codearena::actors::JobState;
using codearena::testing::RedisServer;
using namespace std::chrono_literals;

namespace {

constexpr auto kShortTtl = 300ms;

RedisOptions options_for(const RedisServer& server) {
  return RedisOptions{server.url(), 5s, "test:"};
}

// Polls until nobody holds the lease; false when it is still held after `timeout`.
bool lapses_within(LeaderLease& lease, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!lease.holder()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace

TEST_CASE("lease: only one of two contenders holds it", "[cluster][lease]") {
  RedisServer server;
  RedisLeaderLease a(options_for(server), "node-a", 10s);
  RedisLeaderLease b(options_for(server), "node-b", 10s);
  CHECK_FALSE(a.holder());

  const auto epoch = a.try_acquire();
  REQUIRE(epoch);
  CHECK(*epoch >= 1);
  CHECK_FALSE(b.try_acquire());
  const auto holder = b.holder();
  REQUIRE(holder);
  CHECK(holder->node_id == "node-a");
  CHECK(holder->epoch == *epoch);
  CHECK(holder->ttl_remaining_ms > 0);
  CHECK(holder->ttl_remaining_ms <= 10'000);
  // Asking again as the holder keeps the epoch.
  CHECK(a.try_acquire() == epoch);
}

TEST_CASE("lease: the holder renews it, the other node cannot", "[cluster][lease]") {
  RedisServer server;
  RedisLeaderLease a(options_for(server), "node-a", kShortTtl);
  RedisLeaderLease b(options_for(server), "node-b", kShortTtl);
  REQUIRE(a.try_acquire());
  CHECK_FALSE(b.renew());
  // Renewing every 100 ms keeps it well past its 300 ms TTL.
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(100ms);
    REQUIRE(a.renew());
  }
  REQUIRE(b.holder());
  CHECK(b.holder()->node_id == "node-a");
}

TEST_CASE("lease: an expired lease goes to the other node with a higher epoch",
          "[cluster][lease]") {
  RedisServer server;
  RedisLeaderLease a(options_for(server), "node-a", kShortTtl);
  RedisLeaderLease b(options_for(server), "node-b", kShortTtl);
  const auto first = a.try_acquire();
  REQUIRE(first);
  REQUIRE(lapses_within(b, 10s));

  const auto second = b.try_acquire();
  REQUIRE(second);
  CHECK(*second > *first);
  CHECK_FALSE(a.renew());
  CHECK_FALSE(a.try_acquire());
  CHECK(a.holder()->node_id == "node-b");
}

TEST_CASE("lease: release frees it at once, and only the holder's release counts",
          "[cluster][lease]") {
  RedisServer server;
  RedisLeaderLease a(options_for(server), "node-a", kShortTtl);
  RedisLeaderLease b(options_for(server), "node-b", 10s);
  REQUIRE(a.try_acquire());
  b.release();  // Not the holder: nothing happens.
  REQUIRE(a.holder());
  CHECK(a.holder()->node_id == "node-a");

  // A node whose lease lapsed and was taken over must not delete the new holder's.
  REQUIRE(lapses_within(a, 10s));
  REQUIRE(b.try_acquire());
  a.release();
  REQUIRE(b.holder());
  CHECK(b.holder()->node_id == "node-b");

  b.release();
  CHECK_FALSE(a.holder());
  CHECK(a.try_acquire());
}

TEST_CASE("lease: a paused leader finds its renew refused and its writes fenced",
          "[cluster][lease][fencing]") {
  RedisServer server;
  RedisLeaderLease a(options_for(server), "node-a", kShortTtl);
  RedisLeaderLease b(options_for(server), "node-b", kShortTtl);
  RedisJobStore a_store(options_for(server));
  RedisJobStore b_store(options_for(server));

  const auto a_epoch = a.try_acquire();
  REQUIRE(a_epoch);
  a_store.write(*a_epoch, {simple_record("job", JobState::kActive)});

  // A stops renewing (a long GC pause, a frozen VM): B takes over once the TTL has passed.
  REQUIRE(lapses_within(b, 10s));
  const auto b_epoch = b.try_acquire();
  REQUIRE(b_epoch);

  // Fenced as soon as B holds the lease, before B has written anything.
  CHECK_THROWS_AS(a_store.write(*a_epoch, {simple_record("job", JobState::kCompleted)}),
                  FencedError);
  CHECK(b_store.read_status("job")->state == JobState::kActive);
  CHECK_FALSE(a.renew());

  b_store.write(*b_epoch, {simple_record("job", JobState::kQueued)});
  CHECK(b_store.read_status("job")->state == JobState::kQueued);
}

TEST_CASE("lease: the embedded lease is always held, with epoch 1", "[cluster][lease]") {
  LocalLeaderLease lease("solo");
  CHECK(lease.try_acquire() == 1);
  CHECK(lease.renew());
  lease.release();
  REQUIRE(lease.holder());
  CHECK(lease.holder()->node_id == "solo");
  CHECK(lease.holder()->epoch == 1);
}
