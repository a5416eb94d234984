// The store actor: the scheduler's access to a cluster::JobStore as messages (store_actor in
// actors/messages.h), so that a blocking store never runs on the scheduler's thread.
//
// The actor owns the store. Writes and loads are retried while the store is unreachable (the
// writes are idempotent), for up to `patience`; after that the request fails with an error and
// the scheduler stands by until the store answers again. A fenced write answers false.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/messages.h"
#include "cluster/job_store.h"

namespace codearena::cluster {

struct StoreActorConfig {
  // Redis blocks: such a store gets its own thread (a detached actor); the memory store not.
  bool blocking = true;
  std::chrono::milliseconds patience{10'000};
  std::chrono::milliseconds retry_interval{200};
  // Told about every failed attempt to reach the store (for the log); may be empty. Called on
  // the actor's thread.
  std::function<void(const std::string&)> on_unavailable;
  // Told how long each write the store answered took (one round trip to Redis), for the write
  // latency metric; may be empty. Called on the actor's thread.
  std::function<void(std::chrono::duration<double>)> on_written;
  // Writes of an epoch below this value are given up (answered as fenced) instead of tried
  // again: the node lost that epoch's lease, and a write that lands late, after its leader
  // stood down but before the next leader bumped the epoch, would record a result nobody
  // publishes. Set by the scheduler (SchedulerConfig::lost_epochs); may be null.
  std::shared_ptr<std::atomic<int64_t>> lost_below;
};

actors::store_actor spawn_store_actor(caf::actor_system& system, std::unique_ptr<JobStore> store,
                                      StoreActorConfig config);

}  // namespace codearena::cluster
