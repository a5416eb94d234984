// One suite of JobStore behaviour, run against the memory store and against a Redis store on
// a private redis-server.
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>

#include "cluster/errors.h"
#include "tests/cluster/job_samples.h"
#include "tests/cluster/store_fixtures.h"

using namespace codearena::cluster;
using namespace codearena::cluster::testing;
using codearena::actors::JobState;
using codearena::actors::StoredJob;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> sorted_ids(const std::vector<StoredJob>& records) {
  std::vector<std::string> ids;
  for (const auto& record : records) ids.push_back(record.status.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

// Polls until the job is gone; false when it is still there after `timeout`.
bool expires_within(JobStore& store, const std::string& id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!store.read_status(id)) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace

TEMPLATE_TEST_CASE("a full record round-trips through the store", "[cluster][store]",
                   MemoryStoreFixture, RedisStoreFixture) {
  TestType fixture;
  auto store = fixture.open();
  const auto status = full_status("job-1");
  store->write(1, {StoredJob{status, full_spec()}});

  const auto read = store->read_status("job-1");
  REQUIRE(read);
  check_same_status(*read, status);

  // The spec comes back with the job once it is unfinished again.
  auto running = status;
  running.state = JobState::kActive;
  store->write(1, {StoredJob{running, std::nullopt}});
  const auto unfinished = store->load_unfinished();
  REQUIRE(unfinished.size() == 1);
  check_same_status(unfinished[0].status, running);
  REQUIRE(unfinished[0].spec);
  check_same_spec(*unfinished[0].spec, full_spec());
}

TEMPLATE_TEST_CASE("a batch write stores every job of the batch", "[cluster][store]",
                   MemoryStoreFixture, RedisStoreFixture) {
  TestType fixture;
  auto store = fixture.open();
  store->write(3, {simple_record("a", JobState::kQueued), simple_record("b", JobState::kActive),
                   simple_record("c", JobState::kCancelled)});
  REQUIRE(store->read_status("a"));
  CHECK(store->read_status("a")->state == JobState::kQueued);
  CHECK(store->read_status("b")->state == JobState::kActive);
  CHECK(store->read_status("c")->state == JobState::kCancelled);
  CHECK(store->counters().write_batches == 1);
  CHECK(store->counters().jobs_written == 3);
}

TEMPLATE_TEST_CASE("an unknown job has no status", "[cluster][store]", MemoryStoreFixture,
                   RedisStoreFixture) {
  TestType fixture;
  auto store = fixture.open();
  CHECK_FALSE(store->read_status("never-written"));
  store->write(1, {simple_record("known", JobState::kQueued)});
  CHECK_FALSE(store->read_status("never-written"));
  CHECK(store->read_status("known"));
}

TEMPLATE_TEST_CASE("load_unfinished returns exactly the jobs not in a final state",
                   "[cluster][store]", MemoryStoreFixture, RedisStoreFixture) {
  TestType fixture;
  auto store = fixture.open();
  CHECK(store->load_unfinished().empty());
  store->write(
      1,
      {simple_record("queued", JobState::kQueued), simple_record("active", JobState::kActive),
       simple_record("completed", JobState::kCompleted), simple_record("failed", JobState::kFailed),
       simple_record("cancelled", JobState::kCancelled)});
  CHECK(sorted_ids(store->load_unfinished()) == std::vector<std::string>{"active", "queued"});

  // Transitions move jobs in and out; a transition without a spec keeps the stored one.
  auto finished = simple_record("queued", JobState::kCompleted);
  finished.spec.reset();
  auto retried = simple_record("failed", JobState::kQueued);
  retried.spec.reset();
  store->write(1, {finished, retried});
  const auto unfinished = store->load_unfinished();
  REQUIRE(sorted_ids(unfinished) == std::vector<std::string>{"active", "failed"});
  for (const auto& record : unfinished) {
    REQUIRE(record.spec);
    CHECK(record.spec->code == simple_record(record.status.id, JobState::kQueued).spec->code);
  }
}

TEMPLATE_TEST_CASE("finished jobs expire after the retention time", "[cluster][store]",
                   MemoryStoreFixture, RedisStoreFixture) {
  TestType fixture;
  auto store = fixture.open(200ms);
  store->write(1, {simple_record("done", JobState::kCompleted),
                   simple_record("running", JobState::kActive)});
  REQUIRE(store->read_status("done"));
  CHECK(expires_within(*store, "done", 10s));
  // The unfinished job has no expiry, and a job that finishes later gets its own countdown.
  CHECK(store->read_status("running"));
  store->write(1, {simple_record("running", JobState::kFailed)});
  CHECK(store->read_status("running"));
  CHECK(expires_within(*store, "running", 10s));
  CHECK(store->load_unfinished().empty());
}

TEMPLATE_TEST_CASE("a writer with an older epoch is fenced and changes nothing",
                   "[cluster][store][fencing]", MemoryStoreFixture, RedisStoreFixture) {
  TestType fixture;
  auto old_leader = fixture.open();
  auto new_leader = fixture.open();
  old_leader->write(5, {simple_record("job", JobState::kQueued)});
  new_leader->write(6, {simple_record("job", JobState::kActive)});

  try {
    old_leader->write(
        5, {simple_record("job", JobState::kCancelled), simple_record("other", JobState::kQueued)});
    FAIL("the write of epoch 5 was accepted after epoch 6");
  } catch (const FencedError& fenced) {
    CHECK(fenced.writer_epoch() == 5);
    CHECK(fenced.seen_epoch() == 6);
  }
  CHECK(new_leader->read_status("job")->state == JobState::kActive);
  CHECK_FALSE(new_leader->read_status("other"));
  CHECK(old_leader->counters().fenced_writes == 1);

  // The same epoch keeps writing, a newer one takes over.
  new_leader->write(6, {simple_record("job", JobState::kCompleted)});
  old_leader->write(7, {simple_record("other", JobState::kQueued)});
  CHECK_THROWS_AS(new_leader->write(6, {simple_record("job", JobState::kFailed)}), FencedError);
  CHECK(new_leader->read_status("job")->state == JobState::kCompleted);
  CHECK(new_leader->read_status("other"));
}

TEMPLATE_TEST_CASE("store operations are counted", "[cluster][store]", MemoryStoreFixture,
                   RedisStoreFixture) {
  TestType fixture;
  auto store = fixture.open();
  // The first write to a Redis server also sends the script's source (see the Redis tests).
  store->write(1, {simple_record("warm-up", JobState::kCompleted)});
  const StoreCounters before = store->counters();
  store->write(1, {simple_record("a", JobState::kQueued), simple_record("b", JobState::kActive),
                   simple_record("c", JobState::kCompleted)});
  store->write(1, {});
  const StoreCounters written = store->counters();
  CHECK(written.write_batches - before.write_batches == 1);
  CHECK(written.jobs_written - before.jobs_written == 3);

  store->read_status("a");
  const StoreCounters read = store->counters();
  CHECK(read.status_reads - written.status_reads == 1);

  CHECK(store->load_unfinished().size() == 2);
  const StoreCounters loaded = store->counters();
  CHECK(loaded.unfinished_loads - read.unfinished_loads == 1);

  // Redis: a batch is one EVALSHA, a read one HGET, a load SMEMBERS then one pipelined HMGET
  // per job. The memory store sends nothing anywhere.
  const int64_t redis = TestType::kTalksToRedis ? 1 : 0;
  CHECK(written.commands - before.commands == redis * 1);
  CHECK(written.round_trips - before.round_trips == redis * 1);
  CHECK(read.commands - written.commands == redis * 1);
  CHECK(loaded.commands - read.commands == redis * 3);
  CHECK(loaded.round_trips - read.round_trips == redis * 2);
}

TEMPLATE_TEST_CASE("a record without an id is refused", "[cluster][store]", MemoryStoreFixture,
                   RedisStoreFixture) {
  TestType fixture;
  auto store = fixture.open();
  CHECK_THROWS_AS(store->write(1, {simple_record("ok", JobState::kQueued),
                                   simple_record("", JobState::kQueued)}),
                  std::invalid_argument);
  CHECK_FALSE(store->read_status("ok"));
}
