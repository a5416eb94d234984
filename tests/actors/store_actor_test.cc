// The store actor over the memory job store and over a store that is unreachable for a while:
// writes as an epoch's holder, fencing, loads, reads, retries within the patience.
#include <catch2/catch.hpp>

#include "cluster/errors.h"
#include "cluster/memory_job_store.h"
#include "cluster/store_actor.h"
#include "tests/actors/actor_fixture.h"

using namespace codearena::actors;
using namespace codearena::actors::testing;
using namespace std::chrono_literals;
namespace cl = codearena::cluster;

namespace {

// The memory store behind `failures` StoreUnavailableErrors (each call fails until they are
// used up).
class FlakyStore : public cl::JobStore {
 public:
  explicit FlakyStore(int failures) : failures_(failures) {}
  void write(int64_t epoch, const std::vector<cl::JobRecord>& batch) override {
    fail_while_unreachable();
    store_.write(epoch, batch);
  }
  std::optional<JobStatus> read_status(const std::string& id) override {
    fail_while_unreachable();
    return store_.read_status(id);
  }
  std::vector<cl::JobRecord> load_unfinished() override {
    fail_while_unreachable();
    return store_.load_unfinished();
  }
  cl::StoreCounters counters() const override { return store_.counters(); }

 private:
  void fail_while_unreachable() {
    if (failures_-- > 0) throw cl::StoreUnavailableError("redis: connection refused (scripted)");
  }
  int failures_;
  cl::MemoryJobStore store_{0ms};
};

StoredJob stored(const std::string& id, JobState state) {
  StoredJob job;
  job.status.id = id;
  job.status.state = state;
  job.has_spec = true;
  job.spec.language = "python";
  return job;
}

class StoreFixture : public ActorFixture {
 public:
  StoreFixture() {
    config.blocking = false;
    config.retry_interval = 0ms;
  }
  store_actor spawn(std::unique_ptr<cl::JobStore> store) {
    config.on_unavailable = [this](const std::string&) { ++unavailable; };
    return keep(cl::spawn_store_actor(system, std::move(store), config));
  }
  bool write(const store_actor& store, int64_t epoch, std::vector<StoredJob> jobs) {
    return ask<bool>(store, write_atom::value, epoch, std::move(jobs));
  }

  cl::StoreActorConfig config;
  int unavailable = 0;
};

}  // namespace

TEST_CASE_METHOD(StoreFixture, "writes, loads and reads go through to the job store",
                 "[store]") {
  const auto store = spawn(std::make_unique<cl::MemoryJobStore>(1h));
  CHECK(write(store, 1, {stored("queued", JobState::kQueued), stored("done", JobState::kCompleted)}));
  const auto unfinished = ask<std::vector<StoredJob>>(store, load_atom::value);
  REQUIRE(unfinished.size() == 1);
  CHECK(unfinished[0].status.id == "queued");
  CHECK(unfinished[0].has_spec);
  CHECK(ask<JobStatus>(store, read_atom::value, std::string{"done"}).state ==
        JobState::kCompleted);
  CHECK(ask<JobStatus>(store, read_atom::value, std::string{"unknown"}).id.empty());
}

TEST_CASE_METHOD(StoreFixture, "a write of an older epoch is fenced and changes nothing",
                 "[store]") {
  const auto store = spawn(std::make_unique<cl::MemoryJobStore>(1h));
  CHECK(write(store, 2, {stored("job", JobState::kQueued)}));
  CHECK_FALSE(write(store, 1, {stored("job", JobState::kCompleted)}));
  CHECK(ask<JobStatus>(store, read_atom::value, std::string{"job"}).state == JobState::kQueued);
}

TEST_CASE_METHOD(StoreFixture, "writes of an epoch whose lease the node lost are given up",
                 "[store]") {
  config.lost_below = std::make_shared<std::atomic<int64_t>>(3);
  const auto store = spawn(std::make_unique<cl::MemoryJobStore>(1h));
  CHECK_FALSE(write(store, 2, {stored("job", JobState::kQueued)}));
  CHECK(ask<JobStatus>(store, read_atom::value, std::string{"job"}).id.empty());
  CHECK(write(store, 3, {stored("job", JobState::kQueued)}));
}

TEST_CASE_METHOD(StoreFixture, "an unreachable store is tried again within the patience",
                 "[store]") {
  const auto store = spawn(std::make_unique<FlakyStore>(3));
  CHECK(write(store, 1, {stored("job", JobState::kQueued)}));
  CHECK(unavailable == 3);
  CHECK(ask<std::vector<StoredJob>>(store, load_atom::value).size() == 1);
}

TEST_CASE_METHOD(StoreFixture, "a store unreachable beyond the patience fails the request",
                 "[store]") {
  config.patience = 0ms;
  config.retry_interval = 1ms;  // Beyond the patience at the first failure.
  const auto store = spawn(std::make_unique<FlakyStore>(1));
  const auto written = request<bool>(store, write_atom::value, int64_t{1},
                                     std::vector<StoredJob>{stored("job", JobState::kQueued)});
  run();
  REQUIRE(written->error);
  CHECK(system.render(*written->error).find("connection refused") != std::string::npos);
  CHECK(write(store, 1, {stored("job", JobState::kQueued)}));
}
