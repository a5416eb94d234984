#include "actors/scheduler.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <unordered_map>

#include <caf/all.hpp>

namespace codearena::actors {
namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(100);
const char* const kShutdownReason = "the server shut down before the job could run";
const char* const kGraceEndedReason =
    "the server shut down and its grace period ended before the job finished";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct WorkerEntry {
  worker_actor handle;
  int32_t slots = 0;
  std::set<std::pair<std::string, int32_t>> running;  // (job id, attempt) holding a slot

  int32_t free_slots() const { return slots - static_cast<int32_t>(running.size()); }
};

struct SchedulerState {
  explicit SchedulerState() : book(SchedulerPolicy{}) {}

  JobBook book;
  TransitionHook on_transition;
  StatusBoard* board = nullptr;
  std::map<std::string, WorkerEntry> workers;  // by worker key
  std::unordered_map<std::string, std::vector<job_listener_actor>> listeners;
  std::unordered_map<std::string, std::vector<caf::typed_response_promise<JobStatus>>> waiters;
  bool accepting = true;
  bool draining = false;
  int64_t drain_deadline_ms = 0;
  int64_t drain_failed = 0;
  std::vector<caf::typed_response_promise<int64_t>> drain_promises;

  static constexpr const char* name = "scheduler";
};

using scheduler_pointer = scheduler_actor::stateful_pointer<SchedulerState>;

std::string worker_key(const worker_actor& handle) { return caf::to_string(handle.address()); }

void publish(scheduler_pointer self, const JobEvent& event) {
  auto& state = self->state;
  const auto& id = event.status.id;
  if (state.board) state.board->publish(event.status);
  if (state.on_transition) {
    if (const JobRecord* record = state.book.find(id)) state.on_transition(event, record->spec);
  }
  const auto listeners = state.listeners.find(id);
  if (listeners != state.listeners.end()) {
    for (const auto& listener : listeners->second) self->send(listener, event_atom::value, event);
  }
  if (!is_final(event.status.state)) return;
  if (listeners != state.listeners.end()) state.listeners.erase(listeners);
  const auto waiters = state.waiters.find(id);
  if (waiters == state.waiters.end()) return;
  for (auto& promise : waiters->second) promise.deliver(event.status);
  state.waiters.erase(waiters);
}

WorkerEntry* worker_with_most_free_slots(SchedulerState& state) {
  WorkerEntry* best = nullptr;
  for (auto& [key, worker] : state.workers) {
    if (worker.free_slots() > 0 && (best == nullptr || worker.free_slots() > best->free_slots()))
      best = &worker;
  }
  return best;
}

void dispatch(scheduler_pointer self) {
  auto& state = self->state;
  if (!state.accepting) return;
  while (WorkerEntry* worker = worker_with_most_free_slots(state)) {
    auto started = state.book.start_next(worker_key(worker->handle), now_ms());
    if (!started) return;
    auto& [record, event] = *started;
    worker->running.emplace(record->status.id, record->status.attempts);
    // Slots nobody waits for may run this job's test cases side by side. They are not reserved:
    // a job dispatched meanwhile waits in the sandbox for one of them.
    const int32_t spare = state.book.waiting() == 0 ? worker->free_slots() : 0;
    const int32_t parallel = 1 + std::min(spare, record->status.tests_total - 1);
    self->send(worker->handle, run_atom::value, record->status.id, record->status.attempts,
               record->spec, parallel);
    publish(self, event);
  }
}

void release_slot(SchedulerState& state, const std::string& job_id, int32_t attempt) {
  for (auto& [key, worker] : state.workers) {
    if (worker.running.erase({job_id, attempt}) > 0) return;
  }
}

void finish_drain_if_done(scheduler_pointer self) {
  auto& state = self->state;
  if (!state.draining) return;
  const int64_t now = now_ms();
  if (state.book.active() > 0 && now < state.drain_deadline_ms) return;
  for (auto& [event, worker_name] : state.book.fail_running(kGraceEndedReason, now)) {
    const auto worker = state.workers.find(worker_name);
    if (worker != state.workers.end()) {
      self->send(worker->second.handle, cancel_atom::value, event.status.id,
                 event.status.attempts);
    }
    ++state.drain_failed;
    publish(self, event);
  }
  state.draining = false;
  for (auto& promise : state.drain_promises) promise.deliver(state.drain_failed);
  state.drain_promises.clear();
}

void on_tick(scheduler_pointer self) {
  for (const auto& id : self->state.book.expire(now_ms())) {
    if (self->state.board) self->state.board->forget(id);
  }
  dispatch(self);
  finish_drain_if_done(self);
  self->delayed_send(self, kTickInterval, tick_atom::value);
}

SchedulerStats current_stats(SchedulerState& state) {
  SchedulerStats stats = state.book.stats(now_ms());
  stats.workers = static_cast<int64_t>(state.workers.size());
  for (const auto& [key, worker] : state.workers) {
    stats.slots_total += worker.slots;
    stats.slots_busy += static_cast<int64_t>(worker.running.size());
  }
  stats.accepting = state.accepting;
  return stats;
}

scheduler_actor::behavior_type scheduler_behavior(scheduler_pointer self, SchedulerConfig config) {
  self->state.book = JobBook(config.policy);
  self->state.on_transition = std::move(config.on_transition);
  self->state.board = config.board;
  self->delayed_send(self, kTickInterval, tick_atom::value);
  return {
      [=](submit_atom, const std::string& id, JobSpec& spec) -> SubmitReply {
        if (!self->state.accepting) {
          return SubmitReply{"", "shutting_down", "the server is shutting down", 5};
        }
        auto reply = self->state.book.add(id, std::move(spec), now_ms());
        if (reply.error_code.empty()) {
          const JobRecord* record = self->state.book.find(id);
          publish(self, JobEvent{record->status, false, {}});
          dispatch(self);
        }
        return reply;
      },
      [=](await_atom, const std::string& id) -> caf::result<JobStatus> {
        const JobRecord* record = self->state.book.find(id);
        if (record == nullptr) return JobStatus{};
        if (is_final(record->status.state)) return record->status;
        auto promise = self->make_response_promise<JobStatus>();
        self->state.waiters[id].push_back(promise);
        return promise;
      },
      [=](cancel_atom, const std::string& id) -> CancelReply {
        std::string running_on;
        auto reply = self->state.book.cancel(id, now_ms(), &running_on);
        if (reply.result != CancelResult::kCancelled) return reply;
        const auto worker = self->state.workers.find(running_on);
        if (worker != self->state.workers.end()) {
          self->send(worker->second.handle, cancel_atom::value, id, reply.status.attempts);
        }
        publish(self, JobEvent{reply.status, false, {}});
        return reply;
      },
      [=](stats_atom) -> SchedulerStats { return current_stats(self->state); },
      [=](watch_atom, const std::string& id, const job_listener_actor& listener) -> JobStatus {
        const JobRecord* record = self->state.book.find(id);
        if (record == nullptr) return JobStatus{};
        if (!is_final(record->status.state)) self->state.listeners[id].push_back(listener);
        return record->status;
      },
      [=](drain_atom, int64_t grace_ms) -> caf::result<int64_t> {
        auto& state = self->state;
        state.accepting = false;
        for (const auto& event : state.book.fail_waiting(kShutdownReason, now_ms())) {
          ++state.drain_failed;
          publish(self, event);
        }
        state.draining = true;
        state.drain_deadline_ms = now_ms() + grace_ms;
        auto promise = self->make_response_promise<int64_t>();
        state.drain_promises.push_back(promise);
        finish_drain_if_done(self);
        return promise;
      },
      [=](join_atom, const worker_actor& worker, int32_t slots) {
        auto& entry = self->state.workers[worker_key(worker)];
        entry.handle = worker;
        entry.slots = slots;
        dispatch(self);
      },
      [=](progress_atom, const std::string& id, int32_t attempt, const TestOutcome& test) {
        if (auto event = self->state.book.record_test(id, attempt, test)) publish(self, *event);
      },
      [=](report_atom, const AttemptReport& report) {
        release_slot(self->state, report.job_id, report.attempt);
        if (auto event = self->state.book.finish(report, now_ms())) publish(self, *event);
        // While shutting down nothing is dispatched: a job queued again for a retry fails now.
        if (!self->state.accepting) {
          for (const auto& failed : self->state.book.fail_waiting(kShutdownReason, now_ms())) {
            ++self->state.drain_failed;
            publish(self, failed);
          }
        }
        dispatch(self);
        finish_drain_if_done(self);
      },
      [=](tick_atom) { on_tick(self); },
  };
}

}  // namespace

scheduler_actor spawn_scheduler(caf::actor_system& system, SchedulerConfig config) {
  return system.spawn(scheduler_behavior, std::move(config));
}

}  // namespace codearena::actors
