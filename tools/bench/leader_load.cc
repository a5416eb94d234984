// The leader benchmark's load: see leader_load.h.
#include "tools/bench/leader_load.h"

#include <chrono>
#include <random>

#include <caf/all.hpp>

#include "actors/submission.h"
#include "tools/bench/measure.h"

namespace codearena::bench {
namespace {

using actors::AttemptReport;
using actors::JobSpec;
using actors::scheduler_actor;

// Submissions and reports wait without a timeout: in one process no message is lost (the bench
// notices a stuck leader by itself), and each timeout would cost CAF's clock thread a timer,
// ~10 us of CPU per job that is the benchmark's, not the leader's.
constexpr auto kHeartbeatInterval = std::chrono::seconds(1);

// What a real pool reports for a Python hello world: judged, one test, AC.
AttemptReport judged_report(const std::string& job_id, int32_t attempt) {
  actors::TestOutcome test;
  test.verdict = "AC";
  test.cpu_ms = 9;
  test.wall_ms = 11;
  test.memory_kb = 8192;
  test.stdout_data = "hello\n";
  actors::JobOutcome outcome;
  outcome.verdict = "AC";
  outcome.language = "python";
  outcome.tests = {test};
  outcome.passed = 1;
  outcome.total = 1;
  outcome.max_cpu_ms = test.cpu_ms;
  outcome.max_memory_kb = test.memory_kb;
  outcome.time_limit_ms = 10'000;
  outcome.memory_limit_bytes = 128 << 20;
  outcome.output_limit_bytes = 64 << 10;
  return AttemptReport{job_id, attempt, AttemptReport::Kind::kJudged, std::move(outcome), {}};
}

struct SubmitterState {
  std::mt19937_64 random{std::random_device{}()};
  static constexpr const char* name = "bench_submitter";
};

submitter_actor::behavior_type submitter(submitter_actor::stateful_pointer<SubmitterState> self,
                                         scheduler_actor scheduler, JobSpec spec,
                                         LoadCounters* counters) {
  return {
      [=](next_atom) {
        if (!counters->claim_job()) return;
        auto& random = self->state.random;
        const std::string id = actors::random_uuid(random(), random());
        self->request(scheduler, caf::infinite, actors::submit_atom::value, id, spec)
            .then(
                [=](const actors::SubmitReply& reply) {
                  if (!reply.error_code.empty()) counters->count_refused();
                },
                [=](caf::error&) { counters->count_lost(); });
      },
  };
}

struct WorkerState {
  size_t next_submitter = 0;
  static constexpr const char* name = "bench_simulated_worker";
};

// A worker that also heartbeats on its own timer (tick).
using simulated_worker_actor =
    actors::worker_actor::extend<caf::reacts_to<actors::local<actors::tick_atom>>>;
using worker_pointer = simulated_worker_actor::stateful_pointer<WorkerState>;

simulated_worker_actor::behavior_type simulated_worker(worker_pointer self, std::string node_id,
                                                       scheduler_actor scheduler,
                                                       std::vector<submitter_actor> submitters,
                                                       LoadCounters* counters) {
  self->send(self, actors::local_v<actors::tick_atom>);
  return {
      [=](actors::run_atom, const std::string& id, int32_t attempt, const JobSpec&, int32_t) {
        self->request(scheduler, caf::infinite, actors::report_atom::value,
                      judged_report(id, attempt))
            .then(
                [=](bool) {
                  // Acknowledged: the job is completed and persisted; the loop goes on.
                  auto& next = self->state.next_submitter;
                  self->send(submitters[next], next_atom::value);
                  next = (next + 1) % submitters.size();
                },
                [=](caf::error&) { counters->count_lost(); });
      },
      [=](actors::cancel_atom, const std::string&, int32_t) {},
      [=](actors::local<actors::tick_atom>) {
        self->request(scheduler, kHeartbeatInterval, actors::heartbeat_atom::value, node_id)
            .then([](bool) {}, [](caf::error&) {});
        self->delayed_send(self, kHeartbeatInterval, actors::local_v<actors::tick_atom>);
      },
  };
}

}  // namespace

bool LoadCounters::claim_job() {
  // Counted before stopped_ is read: a thread that has called stop() and then reads
  // submitted() sees every job that will still be submitted.
  ++submitted_;
  if (!stopped_ && budget_.fetch_sub(1) > 0) return true;
  --submitted_;
  return false;
}

void LoadCounters::count_completed() {
  last_completion_ns_ = monotonic_ns();
  ++completed_;
}

actors::TransitionHook counting_hook(LoadCounters& counters) {
  return [counters = &counters](const actors::JobEvent& event, const JobSpec&) {
    if (event.has_test) return;
    switch (event.status.state) {
      case actors::JobState::kCompleted:
        counters->count_completed();
        break;
      case actors::JobState::kFailed:
      case actors::JobState::kCancelled:
        counters->count_failed();
        break;
      default:
        break;
    }
  };
}

submitter_actor spawn_submitter(caf::actor_system& system, scheduler_actor scheduler, JobSpec spec,
                                LoadCounters& counters) {
  return system.spawn(submitter, std::move(scheduler), std::move(spec), &counters);
}

actors::worker_actor spawn_simulated_worker(caf::actor_system& system, std::string node_id,
                                            scheduler_actor scheduler,
                                            std::vector<submitter_actor> submitters,
                                            LoadCounters& counters) {
  return actors::worker_actor{system.spawn(simulated_worker, std::move(node_id),
                                           std::move(scheduler), std::move(submitters),
                                           &counters)};
}

}  // namespace codearena::bench
