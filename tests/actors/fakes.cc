#include "tests/actors/fakes.h"

namespace codearena::actors::testing {
namespace {

caf::error store_unreachable() {
  return caf::make_error(caf::sec::runtime_error, "job store: unreachable (scripted)");
}

void answer(StoreScript& script, caf::typed_response_promise<bool>& promise,
            std::vector<StoredJob> batch, StoreScript::Answer how) {
  switch (how) {
    case StoreScript::Answer::kWritten:
      script.batches.push_back(std::move(batch));
      promise.deliver(true);
      return;
    case StoreScript::Answer::kFenced:
      promise.deliver(false);
      return;
    case StoreScript::Answer::kUnreachable:
      promise.deliver(store_unreachable());
      return;
  }
}

// Keeps the oldest promises in `pending` for which `answers` has answers.
template <class Promise, class Answer>
void keep_promises(std::deque<Promise>& pending, std::deque<Answer>& answers) {
  while (!pending.empty() && !answers.empty()) {
    pending.front().deliver(std::move(answers.front()));
    pending.pop_front();
    answers.pop_front();
  }
}

scripted_store_actor::behavior_type scripted_store(scripted_store_actor::pointer self,
                                                   std::shared_ptr<StoreScript> script) {
  return {
      [=](write_atom, int64_t, std::vector<StoredJob>& batch) -> caf::result<bool> {
        auto promise = self->make_response_promise<bool>();
        if (script->hold_writes) {
          script->held.emplace_back(promise, std::move(batch));
        } else {
          answer(*script, promise, std::move(batch), script->write_answer);
        }
        return promise;
      },
      [=](load_atom) -> caf::result<std::vector<StoredJob>> {
        if (script->load_fails) return store_unreachable();
        return script->unfinished;
      },
      [=](read_atom, const std::string&) -> caf::result<JobStatus> { return JobStatus{}; },
      [](local<inspect_atom>) { return ActorReport{}; },
      [=](local<tick_atom>) {
        while (!script->held.empty() && !script->answers.empty()) {
          auto [promise, batch] = std::move(script->held.front());
          script->held.pop_front();
          answer(*script, promise, std::move(batch), script->answers.front());
          script->answers.pop_front();
        }
      },
  };
}

worker_actor::behavior_type recording_worker(worker_actor::pointer,
                                             std::shared_ptr<WorkerLog> log) {
  return {
      [=](run_atom, const std::string& id, int32_t attempt, const JobSpec&, int32_t parallel) {
        log->runs.push_back({id, attempt, parallel});
      },
      [=](cancel_atom, const std::string& id, int32_t attempt) {
        log->cancels.emplace_back(id, attempt);
      },
  };
}

job_listener_actor::behavior_type recording_listener(
    job_listener_actor::pointer, std::shared_ptr<std::vector<JobEvent>> events) {
  return {
      [=](event_atom, const JobEvent& event) { events->push_back(event); },
  };
}

scripted_leader_actor::behavior_type scripted_leader(scripted_leader_actor::pointer self,
                                                     std::shared_ptr<LeaderScript> script) {
  const auto refused = [script]() -> std::optional<caf::error> { return script->refuse_with; };
  return {
      [=](submit_atom, const std::string& id, JobSpec& spec) -> caf::result<SubmitReply> {
        if (auto error = refused()) return *error;
        script->submissions.emplace_back(id, std::move(spec));
        auto promise = self->make_response_promise<SubmitReply>();
        script->pending_submissions.push_back(promise);
        return promise;
      },
      [=](await_atom, const std::string&) -> caf::result<JobStatus> { return JobStatus{}; },
      [=](status_atom, const std::string&) -> caf::result<JobStatus> {
        if (auto error = refused()) return *error;
        return JobStatus{};
      },
      [=](cancel_atom, const std::string&) -> caf::result<CancelReply> { return CancelReply{}; },
      [=](stats_atom) -> caf::result<SchedulerStats> { return SchedulerStats{}; },
      [=](list_atom, const JobQuery&) -> caf::result<JobPage> { return JobPage{}; },
      [=](watch_atom, const std::string&, const job_listener_actor&) -> caf::result<JobStatus> {
        return JobStatus{};
      },
      [=](join_atom, const NodeInfo&, const worker_actor&,
          const std::vector<RunningAttempt>&) -> caf::result<int64_t> { return int64_t{1}; },
      [=](heartbeat_atom, const std::string&) -> caf::result<bool> { return true; },
      [=](leave_atom, const std::string& node_id) -> caf::result<bool> {
        script->left.push_back(node_id);
        return true;
      },
      [=](run_atom, const std::string& id, int32_t, int32_t slot) {
        script->started.emplace_back(id, slot);
      },
      [=](progress_atom, const std::string& id, int32_t attempt, const TestOutcome&) {
        script->progress.emplace_back(id, attempt);
      },
      [=](report_atom, const AttemptReport& report) -> caf::result<bool> {
        script->reports.push_back(report);
        auto promise = self->make_response_promise<bool>();
        script->pending_reports.push_back(promise);
        return promise;
      },
      [](inspect_atom, const std::string&, const inspector_actor&) {},
      [](inspect_atom) -> caf::result<ClusterView> { return ClusterView{}; },
      [=](local<tick_atom>) {
        keep_promises(script->pending_submissions, script->submission_answers);
        keep_promises(script->pending_reports, script->report_answers);
      },
  };
}

}  // namespace

scripted_store_actor spawn_scripted_store(caf::actor_system& system,
                                          std::shared_ptr<StoreScript> script) {
  return system.spawn(scripted_store, std::move(script));
}

worker_actor spawn_recording_worker(caf::actor_system& system, std::shared_ptr<WorkerLog> log) {
  return system.spawn(recording_worker, std::move(log));
}

job_listener_actor spawn_recording_listener(caf::actor_system& system,
                                            std::shared_ptr<std::vector<JobEvent>> events) {
  return system.spawn(recording_listener, std::move(events));
}

scripted_leader_actor spawn_scripted_leader(caf::actor_system& system,
                                            std::shared_ptr<LeaderScript> script) {
  return system.spawn(scripted_leader, std::move(script));
}

}  // namespace codearena::actors::testing
