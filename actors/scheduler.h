// The scheduler actor: priority queues, dispatch to worker nodes by credit (their free slots),
// cancel, retries, progress, statistics, leadership and the shutdown drain.
//
// Every scheduler-capable node runs one; it leads only while its node holds the leader lease
// (see cluster/membership.h), and a leader owns the job book (actors/job_book.h). Each
// transition is written to the job store (store_actor) before anything acts on it: replies to
// clients, events, webhooks and run messages to workers wait for the write, and writes are
// batched (whatever piles up during one write goes in the next). Nodes join with their slots
// and languages; a job is dispatched only to a worker offering its language with a free slot,
// which frees again when the worker reports the attempt's end. A job no worker can take waits
// without holding back the jobs behind it; one whose language no worker offers for the
// no-worker timeout fails. A node that goes down or stays silent for the node timeout is lost:
// its attempts are requeued (attempts + 1, backoff). A new leader loads the unfinished jobs,
// lets workers claim what they still run and requeues the rest after the claim window.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "actors/job_book.h"
#include "actors/messages.h"
#include "actors/status_board.h"

namespace codearena::telemetry {
class Logger;
}

namespace codearena::actors {

// Called on the scheduler's thread for every published event together with the job's spec
// (for logs, metrics and webhooks). Must be quick and must not block.
using TransitionHook = std::function<void(const JobEvent&, const JobSpec&)>;

struct SchedulerConfig {
  SchedulerPolicy policy;
  TransitionHook on_transition;
  // Where the scheduler publishes every job's latest status for readers on other threads;
  // must outlive the actor system. May be null.
  StatusBoard* board = nullptr;
  // Where every transition is persisted (required).
  store_actor store;
  // True when the store outlives this node (Redis): shutdown then hands the jobs over instead
  // of failing them, and jobs unknown to the book are looked up in the store.
  bool store_is_shared = false;
  std::string node_id = "local";
  int64_t node_timeout_ms = 5000;  // A node silent this long is lost.
  int64_t claim_window_ms = 5000;  // How long a new leader waits for workers to claim jobs.
  // Shared with the store actor: raised above an epoch whose lease this node lost (follow), so
  // writes of that epoch still being retried are given up. May be null.
  std::shared_ptr<std::atomic<int64_t>> lost_epochs;
  // Where the leader logs nodes joining and being lost; must outlive the actor system. May be
  // null.
  telemetry::Logger* logger = nullptr;
  // Milliseconds since the Unix epoch, for job times, backoffs, deadlines and node timeouts;
  // empty: the system clock. Called on the scheduler's thread.
  std::function<int64_t()> clock;
  // How long a queued job waits for a worker offering its language (NO_WORKER_TIMEOUT) before
  // it fails with the reason "no worker offers language <id>".
  int64_t no_worker_timeout_ms = 180'000;
};

// The node keeps the returned handle to itself; other nodes get it as a scheduler_actor.
local_scheduler_actor spawn_scheduler(caf::actor_system& system, SchedulerConfig config);

}  // namespace codearena::actors
