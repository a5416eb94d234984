// The scheduler actor: priority queues, dispatch to workers by credit (their free slots),
// cancel, retries, progress, statistics and the shutdown drain.
//
// It is the only owner of the job book (actors/job_book.h); everything else asks it through
// scheduler_actor messages. Workers join with their slot count; a job is dispatched only to a
// worker with a free slot, and the slot counts as free again when the worker reports the
// attempt's end (also for cancelled attempts, whose late reports are otherwise ignored).
#pragma once

#include <functional>

#include <caf/fwd.hpp>

#include "actors/job_book.h"
#include "actors/messages.h"
#include "actors/status_board.h"

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
};

scheduler_actor spawn_scheduler(caf::actor_system& system, SchedulerConfig config);

}  // namespace codearena::actors
