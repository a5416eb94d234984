// The load of `codearena-bench leader`: submitters that keep a fixed number of jobs unfinished
// (a closed loop) and simulated worker nodes whose attempts end the moment they start, all in
// the benchmark's actor system beside the leader they load.
//
// A simulated worker is a worker_actor that runs nothing: on `run` it reports the attempt
// judged (AC, one test) to the scheduler with a request, like a real pool, and once the
// scheduler acknowledges the report (after persisting the completed job) it tells the next
// submitter, round robin, to submit one more job. Submitters send `submit` with a fresh job id
// straight to the scheduler. These actors exist for the benchmark only; the product's worker is
// actors/worker_pool.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "actors/messages.h"
#include "actors/scheduler.h"

namespace codearena::bench {

// What the load has done; shared by the load's actors, the scheduler's transition hook and the
// thread that waits for the end. Thread-safe.
class LoadCounters {
 public:
  // At most `job_budget` jobs are submitted in all.
  explicit LoadCounters(int64_t job_budget) : budget_(job_budget) {}

  // Takes one job from the budget: false once the budget is spent or stop() was called.
  bool claim_job();
  // Submit nothing more; jobs already submitted still finish.
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

  void count_completed();  // Also notes the time (monotonic_ns) of the latest completion.
  void count_failed() { ++failed_; }    // Failed or cancelled: never expected here.
  void count_refused() { ++refused_; }  // A submission answered with an error code.
  void count_lost() { ++lost_; }        // A request that failed (timeout, no leader).

  int64_t submitted() const { return submitted_; }
  int64_t completed() const { return completed_; }
  int64_t failed() const { return failed_; }
  int64_t refused() const { return refused_; }
  int64_t lost() const { return lost_; }
  int64_t last_completion_ns() const { return last_completion_ns_; }
  // Submitted jobs whose end is known (completed, failed, refused or lost).
  int64_t settled() const { return completed_ + failed_ + refused_ + lost_; }

 private:
  std::atomic<int64_t> budget_;
  std::atomic<bool> stopped_{false};
  std::atomic<int64_t> submitted_{0};
  std::atomic<int64_t> completed_{0};
  std::atomic<int64_t> failed_{0};
  std::atomic<int64_t> refused_{0};
  std::atomic<int64_t> lost_{0};
  std::atomic<int64_t> last_completion_ns_{0};
};

// A scheduler transition hook that counts every completed job (and every failed or cancelled
// one) in `counters`, which must outlive the scheduler.
actors::TransitionHook counting_hook(LoadCounters& counters);

using next_atom = caf::atom_constant<caf::atom("next")>;

// A submitter: each `next` submits one job (while the counters' budget lasts).
using submitter_actor = caf::typed_actor<caf::reacts_to<next_atom>>;

// `spec` is what every job asks for; `counters` must outlive the actor system.
submitter_actor spawn_submitter(caf::actor_system& system, actors::scheduler_actor scheduler,
                                actors::JobSpec spec, LoadCounters& counters);

// A simulated worker node named `node_id`; join it to the scheduler yourself (join_atom with
// its NodeInfo). It heartbeats every second from the start, as a node's membership does (the
// scheduler answers false until it has joined).
actors::worker_actor spawn_simulated_worker(caf::actor_system& system, std::string node_id,
                                            actors::scheduler_actor scheduler,
                                            std::vector<submitter_actor> submitters,
                                            LoadCounters& counters);

}  // namespace codearena::bench
