// The two job stores the shared store suite runs against, behind one fixture shape:
// `open()` gives a writer on the store under test (a second open() is a second writer on the
// same data: the same object for memory, a second connection for Redis).
#pragma once

#include <chrono>
#include <memory>

#include "cluster/memory_job_store.h"
#include "cluster/redis_job_store.h"
#include "tests/support/redis_server.h"

namespace codearena::cluster::testing {

constexpr std::chrono::milliseconds kLongRetention = std::chrono::hours(1);

class MemoryStoreFixture {
 public:
  static constexpr bool kTalksToRedis = false;

  // The retention of the first open() applies: there is one memory store per fixture.
  std::shared_ptr<JobStore> open(std::chrono::milliseconds retention = kLongRetention) {
    if (!store_) store_ = std::make_shared<MemoryJobStore>(retention);
    return store_;
  }

 private:
  std::shared_ptr<JobStore> store_;
};

class RedisStoreFixture {
 public:
  static constexpr bool kTalksToRedis = true;

  std::shared_ptr<JobStore> open(std::chrono::milliseconds retention = kLongRetention) {
    return std::make_shared<RedisJobStore>(options(), retention);
  }

 private:
  RedisOptions options() const {
    return RedisOptions{server_.url(), std::chrono::seconds(5), "test:"};
  }

  codearena::testing::RedisServer server_;
};

}  // namespace codearena::cluster::testing
