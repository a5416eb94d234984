#include "actors/scheduler.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <unordered_map>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/counted_actor.h"
#include "common/epoch_ms.h"
#include "telemetry/log.h"

namespace codearena::actors {
namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(100);
const char* const kShutdownReason = "the server shut down before the job could run";
const char* const kGraceEndedReason =
    "the server shut down and its grace period ended before the job finished";

// The attempts holding a node's slots: (job id, attempt) -> the slot index the worker reported
// it started on, kSlotUnknown until then (and for attempts a new leader claimed).
using RunningSlots = std::map<std::pair<std::string, int32_t>, int32_t>;
constexpr int32_t kSlotUnknown = -1;

struct NodeEntry {
  NodeInfo info;
  worker_actor pool;                                  // Invalid for nodes without the worker role.
  RunningSlots running;
  bool draining = false;
  int64_t last_seen_ms = 0;
  caf::node_id caf_node;      // Where its messages come from: names the node of a sender.
  inspector_actor inspector;  // Announced after the join; invalid until then.

  int32_t free_slots() const { return info.slots - static_cast<int32_t>(running.size()); }
  // Would run jobs of `language` once it has a free slot.
  bool offers(const std::string& language) const {
    return pool && !draining &&
           std::find(info.languages.begin(), info.languages.end(), language) !=
               info.languages.end();
  }
  bool takes(const std::string& language) const { return offers(language) && free_slots() > 0; }
};

// Transitions waiting to be written, and what to do once they are: one store write.
struct PendingWrite {
  std::vector<StoredJob> jobs;
  std::unordered_map<std::string, size_t> index;  // job id -> position in `jobs`
  std::vector<std::function<void()>> effects;

  bool empty() const { return jobs.empty() && effects.empty(); }
};

// Where the scheduler stands; docs/cluster.md has the table of transitions.
enum class Phase {
  kStandby,      // Not leading: refuses requests until told to lead.
  kLoading,      // Told to lead: loading the unfinished jobs from the store.
  kLeading,      // Leads: takes jobs and dispatches them.
  kDraining,     // Single-node shutdown: takes no jobs, waits for running ones (grace time).
  kDrained,      // Single-node shutdown done: still answers, takes and dispatches nothing.
  kHandingOver,  // Cluster shutdown: refuses everything while the last writes land.
  kRetired,      // Shut down: refuses everything and never leads again.
};

// Nodes lost recently that `inspect` still shows (as lost), the most recent kept.
constexpr size_t kLostNodesShown = 32;

// Writes in flight at once: they keep the store busy while the scheduler runs the effects of the
// batch just written (three measured best: docs/benchmarks.md, cluster leader capacity).
constexpr int kMaxWritesInFlight = 3;

struct SchedulerState {
  SchedulerState() : book(SchedulerPolicy{}) {}

  SchedulerConfig config;
  JobBook book;
  Phase phase = Phase::kStandby;
  int64_t epoch = 0;
  int64_t claim_deadline_ms = 0;
  std::map<std::string, NodeEntry> nodes;  // by node id
  std::deque<NodeStats> lost_nodes;        // Oldest first, at most kLostNodesShown.
  std::unordered_map<std::string, std::vector<job_listener_actor>> listeners;
  std::unordered_map<std::string, std::vector<caf::typed_response_promise<JobStatus>>> waiters;
  PendingWrite pending;
  int writes_in_flight = 0;
  std::vector<caf::typed_response_promise<bool>> handover_promises;
  int64_t term = 0;  // Grows with every step down: replies for an earlier term are dropped.
  int64_t drain_deadline_ms = 0;
  int64_t drain_failed = 0;
  int64_t nodes_lost = 0;  // Since this scheduler was spawned, for SchedulerStats.
  std::vector<caf::typed_response_promise<int64_t>> drain_promises;
  // Languages of queued jobs that no worker offers, and since when (milliseconds).
  std::map<std::string, int64_t> unoffered_since;

  // Answers requests and owns the job book.
  bool leading() const {
    return phase == Phase::kLeading || phase == Phase::kDraining || phase == Phase::kDrained;
  }
  // Takes new jobs (or will, once it leads).
  bool accepting() const {
    return phase == Phase::kStandby || phase == Phase::kLoading || phase == Phase::kLeading;
  }
  int64_t now_ms() const { return config.clock(); }

  static constexpr const char* name = "scheduler";
};

using scheduler_pointer = counted_stateful_pointer<local_scheduler_actor, SchedulerState>;

const char* phase_name(Phase phase) {
  switch (phase) {
    case Phase::kStandby: return "standby";
    case Phase::kLoading: return "loading";
    case Phase::kLeading: return "leading";
    case Phase::kDraining: return "draining";
    case Phase::kDrained: return "drained";
    case Phase::kHandingOver: return "handing over";
    case Phase::kRetired: return "retired";
  }
  return "";
}

// One line for `codearena inspect actors`.
std::string summary(const SchedulerState& state) {
  std::string line = phase_name(state.phase);
  if (!state.leading()) return line;
  const auto stats = state.book.stats(state.now_ms());
  const auto& queued = stats.queued_by_priority;
  return line + " epoch " + std::to_string(state.epoch) + "; queued high/normal/low " +
         std::to_string(queued[0]) + "/" + std::to_string(queued[1]) + "/" +
         std::to_string(queued[2]) + ", retrying " + std::to_string(stats.retry_waiting) +
         ", active " + std::to_string(stats.active) + "; writes in flight " +
         std::to_string(state.writes_in_flight) + "; nodes " + std::to_string(state.nodes.size());
}

// The node id of the current message's sender ("" for a node that has not joined). Call before
// make_response_promise, which takes the sender over.
std::string sender_node(scheduler_pointer self) {
  const auto& sender = self->current_sender();
  if (!sender || sender->node() == self->node()) return self->state.config.node_id;
  for (const auto& [id, node] : self->state.nodes) {
    if (node.caf_node == sender->node()) return id;
  }
  return "";
}

void note(scheduler_pointer self, const std::string& job_id, const char* event, std::string node,
          std::string detail = "") {
  self->state.book.note(job_id,
                        JobHop{self->state.now_ms(), event, std::move(node), std::move(detail)});
}

// The hop that follows the end of an attempt: the job's final state, or its retry.
void note_outcome(scheduler_pointer self, const JobEvent& event, const std::string& why) {
  const JobStatus& status = event.status;
  const auto& leader = self->state.config.node_id;
  if (is_final(status.state)) {
    const std::string detail = !status.failed_reason.empty() ? status.failed_reason
                               : status.result ? judge::verdict_code(status.result->verdict)
                                               : "";
    note(self, status.id, state_name(status.state), leader, detail);
  } else {
    note(self, status.id, "retry", leader, "attempt " + std::to_string(status.attempts) + ": " + why);
  }
}

// How a hop names the slot of a worker (`slots` of them) that ran it: "slot 2 of 4", 1-based.
std::string slot_name(int32_t slot, int32_t slots) {
  return "slot " + std::to_string(slot + 1) + " of " + std::to_string(slots);
}

// ", slot 2 of 4" for a slot of the joined node `node_id`; empty when either is unknown.
std::string slot_suffix(const SchedulerState& state, const std::string& node_id, int32_t slot) {
  const auto node = state.nodes.find(node_id);
  if (node == state.nodes.end() || slot < 0) return "";
  return ", " + slot_name(slot, node->second.info.slots);
}

// The slot the worker reported the job's current attempt started on: kSlotUnknown before the
// start arrived, and for an attempt claimed from a previous leader.
int32_t started_slot(const SchedulerState& state, const BookEntry& record) {
  const auto node = state.nodes.find(record.worker);
  if (node == state.nodes.end()) return kSlotUnknown;
  const auto running = node->second.running.find({record.status->id, record.status->attempts});
  return running == node->second.running.end() ? kSlotUnknown : running->second;
}

// The compilation has no hop of its own (the worker sends no message for it): the report says
// what it took, and the first test's hop includes it.
std::string compile_detail(const JobOutcome& outcome) {
  if (outcome.compile_cached) return ", compile cached";
  if (outcome.compile_ms >= 0) return ", compiled in " + std::to_string(outcome.compile_ms) + " ms";
  return "";
}

std::string report_detail(const AttemptReport& report) {
  switch (report.kind) {
    case AttemptReport::Kind::kJudged:
      return std::string("judged ") + judge::verdict_code(report.outcome.verdict) +
             compile_detail(report.outcome);
    case AttemptReport::Kind::kInternalError:
      return "internal error: " + report.message;
    case AttemptReport::Kind::kRejected:
      return "rejected: " + report.message;
    case AttemptReport::Kind::kCancelled:
      return "cancelled";
    case AttemptReport::Kind::kNotStarted:
      return "not started: " + report.message;
  }
  return "";
}

// `status` is the book's status the event was made of: the board shares it.
void publish(scheduler_pointer self, const JobEvent& event,
             std::shared_ptr<const JobStatus> status) {
  auto& state = self->state;
  const auto& id = event.status.id;
  if (state.config.board) state.config.board->publish(std::move(status));
  if (state.config.on_transition) {
    if (const BookEntry* record = state.book.find(id))
      state.config.on_transition(event, record->spec);
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

void flush(scheduler_pointer self);

// Runs `effect` once everything staged so far is persisted.
void after_write(scheduler_pointer self, std::function<void()> effect) {
  self->state.pending.effects.push_back(std::move(effect));
  flush(self);
}

// Stages the job's new status for the store (with its spec when `with_spec`) and publishes the
// event once it is written.
// The job's slot in the next write to the store.
StoredJob& staged(scheduler_pointer self, const std::string& id) {
  auto& pending = self->state.pending;
  const auto [position, added] = pending.index.emplace(id, pending.jobs.size());
  if (added) pending.jobs.emplace_back();
  return pending.jobs[position->second];
}

// Stages a change of a finished job's record that is no event (its webhook's state) and shows
// it on the status board once written.
void persist_record(scheduler_pointer self, std::shared_ptr<const JobStatus> status) {
  staged(self, status->id).status = *status;
  after_write(self, [self, status] {
    if (self->state.config.board) self->state.config.board->publish(status);
  });
}

void persist(scheduler_pointer self, const JobEvent& event, bool with_spec = false) {
  const auto& id = event.status.id;
  StoredJob& stored = staged(self, id);
  const BookEntry* record = self->state.book.find(id);
  auto status = record ? record->status : std::make_shared<const JobStatus>(event.status);
  stored.status = *status;
  if (with_spec && record) stored.spec = record->spec;
  after_write(self, [self, event, status] { publish(self, event, status); });
}

void step_down(scheduler_pointer self);

// Hands the lease's duties over once nothing is left to write (see handover_atom).
void finish_handover_if_idle(scheduler_pointer self) {
  auto& state = self->state;
  if (state.phase != Phase::kHandingOver || state.writes_in_flight > 0 || !state.pending.empty())
    return;
  step_down(self);
}

void flush(scheduler_pointer self) {
  auto& state = self->state;
  if (state.writes_in_flight >= kMaxWritesInFlight || state.pending.empty()) return;
  auto batch = std::make_shared<PendingWrite>(std::move(state.pending));
  state.pending = PendingWrite{};
  ++state.writes_in_flight;
  const int64_t term = state.term;
  // Replies come in the order of the writes (one store actor), so effects run in order too.
  self->request(state.config.store, caf::infinite, write_atom::value, state.epoch,
                std::move(batch->jobs))
      .then(
          [=](bool written) {
            --self->state.writes_in_flight;
            if (term != self->state.term) return;
            if (!written) {
              step_down(self);  // Fenced: another node leads now.
              return;
            }
            for (auto& effect : batch->effects) effect();
            flush(self);
            finish_handover_if_idle(self);
          },
          [=](caf::error&) {
            // The store stayed unreachable: whether the batch was written is unknown, so the
            // node stands by until its membership confirms the lease again (lead), then starts
            // over from what the store holds.
            --self->state.writes_in_flight;
            if (term == self->state.term) step_down(self);
          });
}

// The node with the most free slots among those taking `language`; "" when none does.
std::string node_for(const SchedulerState& state, const std::string& language) {
  const NodeEntry* best = nullptr;
  for (const auto& [id, node] : state.nodes) {
    if (node.takes(language) && (best == nullptr || node.free_slots() > best->free_slots()))
      best = &node;
  }
  return best ? best->info.id : "";
}

void dispatch(scheduler_pointer self) {
  auto& state = self->state;
  if (state.phase != Phase::kLeading) return;
  const WorkerChooser choose = [&state](const std::string& language) {
    return node_for(state, language);
  };
  while (auto started = state.book.start_next(choose, state.now_ms())) {
    auto& [record, event] = *started;
    NodeEntry* node = &state.nodes.at(record->worker);
    node->running.emplace(std::make_pair(record->status->id, record->status->attempts),
                          kSlotUnknown);
    // Slots nobody waits for may run this job's test cases side by side. They are not reserved:
    // a job dispatched meanwhile waits in the sandbox for one of them.
    const int32_t spare = state.book.waiting() == 0 ? node->free_slots() : 0;
    const int32_t parallel = 1 + std::min(spare, record->status->tests_total - 1);
    note(self, record->status->id, "dispatched", node->info.id,
         "attempt " + std::to_string(record->status->attempts) + ", " + std::to_string(parallel) +
             " slot(s)");
    persist(self, event);
    after_write(self, [self, pool = node->pool, id = record->status->id,
                       attempt = record->status->attempts, spec = record->spec, parallel] {
      self->send(pool, run_atom::value, id, attempt, spec, parallel);
    });
  }
}

void release_slot(SchedulerState& state, const std::string& job_id, int32_t attempt) {
  for (auto& [id, node] : state.nodes) {
    if (node.running.erase({job_id, attempt}) > 0) return;
  }
}

// Ends an attempt that will never report (its node was lost): retried like an internal error.
void requeue_lost(scheduler_pointer self, const std::string& job_id, int32_t attempt,
                  const std::string& reason) {
  const AttemptReport report{job_id, attempt, AttemptReport::Kind::kInternalError, {}, reason};
  if (auto event = self->state.book.finish(report, self->state.now_ms())) {
    note(self, job_id, "requeued", self->state.config.node_id, reason);
    note_outcome(self, *event, reason);
    persist(self, *event);
  }
}

void remember_lost(SchedulerState& state, const NodeEntry& node) {
  if (state.lost_nodes.size() >= kLostNodesShown) state.lost_nodes.pop_front();
  state.lost_nodes.push_back(NodeStats{node.info, static_cast<int32_t>(node.running.size()),
                                       node.draining, false, node.last_seen_ms});
}

void log_node(scheduler_pointer self, telemetry::LogLevel level, std::string_view event,
              nlohmann::json fields) {
  if (self->state.config.logger == nullptr) return;
  fields["leader"] = self->state.config.node_id;
  self->state.config.logger->log(level, event, fields);
}

// `node_id` is a copy: callers may pass a reference into the entry this erases.
void lose_node(scheduler_pointer self, const std::string node_id, const std::string& reason) {
  auto& nodes = self->state.nodes;
  const auto found = nodes.find(node_id);
  if (found == nodes.end()) return;
  const auto running = std::move(found->second.running);
  const bool left = found->second.draining && running.empty();  // Drained, then exited.
  if (!left) remember_lost(self->state, found->second);
  nodes.erase(found);
  if (!left) ++self->state.nodes_lost;
  log_node(self, left ? telemetry::LogLevel::info : telemetry::LogLevel::warn,
           left ? "node_left" : "node_lost",
           {{"node", node_id}, {"reason", reason}, {"attemptsRequeued", running.size()}});
  for (const auto& [attempt, slot] : running) {
    requeue_lost(self, attempt.first, attempt.second,
                 "the worker node " + node_id + " " + reason);
  }
  dispatch(self);
}

void finish_drain_if_done(scheduler_pointer self) {
  auto& state = self->state;
  if (state.phase != Phase::kDraining) return;
  const int64_t now = state.now_ms();
  if (state.book.active() > 0 && now < state.drain_deadline_ms) return;
  for (auto& [event, node_id] : state.book.fail_running(kGraceEndedReason, now)) {
    const auto node = state.nodes.find(node_id);
    if (node != state.nodes.end() && node->second.pool) {
      self->send(node->second.pool, cancel_atom::value, event.status.id, event.status.attempts);
    }
    ++state.drain_failed;
    persist(self, event);
  }
  state.phase = Phase::kDrained;
  after_write(self, [self] {
    for (auto& promise : self->state.drain_promises) promise.deliver(self->state.drain_failed);
    self->state.drain_promises.clear();
  });
}

void fail_waiting_jobs(scheduler_pointer self) {
  for (const auto& event : self->state.book.fail_waiting(kShutdownReason, self->state.now_ms())) {
    ++self->state.drain_failed;
    persist(self, event);
  }
}

// Attempts a failed-over leader loaded as running that no worker claimed in time are requeued.
void requeue_unclaimed(scheduler_pointer self) {
  auto& state = self->state;
  if (state.claim_deadline_ms == 0 || state.now_ms() < state.claim_deadline_ms) return;
  state.claim_deadline_ms = 0;
  for (const auto& [job_id, attempt] : state.book.running_on("")) {
    requeue_lost(self, job_id, attempt,
                 "was running when the previous leader was lost and no worker claimed it");
  }
}

void lose_silent_nodes(scheduler_pointer self) {
  auto& state = self->state;
  const int64_t oldest_allowed = state.now_ms() - state.config.node_timeout_ms;
  std::vector<std::string> silent;
  for (const auto& [id, node] : state.nodes) {
    if (id != state.config.node_id && node.last_seen_ms < oldest_allowed) silent.push_back(id);
  }
  for (const auto& id : silent) {
    lose_node(self, id,
              "sent no heartbeat for " + std::to_string(state.config.node_timeout_ms) + " ms");
  }
}

bool offered(const SchedulerState& state, const std::string& language) {
  return std::any_of(state.nodes.begin(), state.nodes.end(),
                     [&](const auto& node) { return node.second.offers(language); });
}

// Queued jobs of a language no worker has offered for the no-worker timeout (counted from when
// the job was queued, or the last worker offering the language was lost, whichever came last)
// fail: nothing would ever run them.
void fail_unoffered(scheduler_pointer self) {
  auto& state = self->state;
  const int64_t now = state.now_ms();
  std::map<std::string, int64_t> unoffered_since;
  const auto verdict = [&](const BookEntry& record) -> std::string {
    const std::string& language = record.status->language;
    if (offered(state, language)) return "";
    const auto since = state.unoffered_since.find(language);
    const int64_t first_seen = since == state.unoffered_since.end() ? now : since->second;
    unoffered_since.emplace(language, first_seen);
    const int64_t waiting_since = std::max(first_seen, record.status->created_at_ms);
    if (now - waiting_since < state.config.no_worker_timeout_ms) return "";
    return "no worker offers language " + language + " (waited " +
           std::to_string(now - waiting_since) + " ms)";
  };
  for (const auto& event : state.book.fail_queued(verdict, now)) persist(self, event);
  state.unoffered_since = std::move(unoffered_since);
}

void on_tick(scheduler_pointer self) {
  auto& state = self->state;
  if (state.leading()) {
    for (const auto& id : state.book.expire(state.now_ms())) {
      if (state.config.board) state.config.board->forget(id);
    }
    requeue_unclaimed(self);
    lose_silent_nodes(self);
    if (state.phase == Phase::kLeading) fail_unoffered(self);
    dispatch(self);
    finish_drain_if_done(self);
  }
  self->delayed_send(self, kTickInterval, local_v<tick_atom>);
}

void drop_listener(SchedulerState& state, const caf::actor_addr& gone) {
  for (auto entry = state.listeners.begin(); entry != state.listeners.end();) {
    auto& listeners = entry->second;
    listeners.erase(
        std::remove_if(listeners.begin(), listeners.end(),
                       [&](const job_listener_actor& l) { return l.address() == gone; }),
        listeners.end());
    entry = listeners.empty() ? state.listeners.erase(entry) : std::next(entry);
  }
}

SchedulerStats current_stats(SchedulerState& state) {
  SchedulerStats stats = state.book.stats(state.now_ms());
  for (const auto& [id, node] : state.nodes) {
    if (node.pool) ++stats.workers;
    stats.slots_total += node.info.slots;
    stats.slots_busy += static_cast<int64_t>(node.running.size());
    stats.nodes.push_back(NodeStats{node.info, static_cast<int32_t>(node.running.size()),
                                    node.draining, id == state.config.node_id, node.last_seen_ms});
  }
  for (const auto& [id, listeners] : state.listeners)
    stats.listeners += static_cast<int64_t>(listeners.size());
  stats.accepting = state.accepting();
  stats.leader = state.config.node_id;
  stats.epoch = state.epoch;
  stats.nodes_lost = state.nodes_lost;
  return stats;
}

// Forgets everything a leader holds: the lease is gone, the store belongs to the next leader.
// Requests waiting on this node are dropped and time out at their senders. A scheduler that
// was shutting down never leads again.
void step_down(scheduler_pointer self) {
  auto& state = self->state;
  state.phase = state.accepting() ? Phase::kStandby : Phase::kRetired;
  ++state.term;
  // Nothing is led any more: whoever waits for a handover is done.
  for (auto& promise : state.handover_promises) promise.deliver(true);
  state.handover_promises.clear();
  state.book = JobBook(state.config.policy);
  state.nodes.clear();
  state.lost_nodes.clear();
  state.unoffered_since.clear();
  state.listeners.clear();
  state.waiters.clear();
  state.pending = PendingWrite{};
  state.claim_deadline_ms = 0;
  if (state.config.board) state.config.board->clear();
}

void take_over(scheduler_pointer self, std::vector<StoredJob>& jobs) {
  auto& state = self->state;
  std::sort(jobs.begin(), jobs.end(), [](const StoredJob& a, const StoredJob& b) {
    return std::make_pair(a.status.priority, a.status.created_at_ms) <
           std::make_pair(b.status.priority, b.status.created_at_ms);
  });
  for (const auto& job : jobs) {
    state.book.restore(job);
    note(self, job.status.id, "restored", state.config.node_id,
         "epoch " + std::to_string(state.epoch) + ", " + state_name(job.status.state));
    const BookEntry* record = state.book.find(job.status.id);
    if (state.config.board && record) state.config.board->publish(record->status);
  }
  state.phase = Phase::kLeading;
  state.claim_deadline_ms = state.now_ms() + state.config.claim_window_ms;
  dispatch(self);
}

void lead(scheduler_pointer self, int64_t epoch) {
  auto& state = self->state;
  const bool same_term = state.phase != Phase::kStandby && state.epoch == epoch;
  if (!state.accepting() || same_term) return;
  step_down(self);
  state.phase = Phase::kLoading;
  state.epoch = epoch;
  const int64_t term = state.term;
  self->request(state.config.store, caf::infinite, load_atom::value)
      .then(
          [=](std::vector<StoredJob>& jobs) {
            if (self->state.term == term) take_over(self, jobs);
          },
          [=](caf::error&) {
            if (self->state.term == term) step_down(self);
          });
}

// Answers with the job's status as last published, once written to the store (the one the
// leader's own API reads from the board): never a change the store has not got, which a next
// leader would not know, and which another API node would see differently. A job not on the
// board comes from the book or, when the book does not hold it either, from the shared store
// (finished before this node took over); an empty status for an unknown job.
void find_status(scheduler_pointer self, const std::string& id,
                 std::function<void(const JobStatus&)> answer) {
  auto& state = self->state;
  if (state.config.board) {
    if (const auto published = state.config.board->find(id)) {
      answer(*published);
      return;
    }
  }
  if (const BookEntry* record = state.book.find(id)) {
    answer(*record->status);
    return;
  }
  if (!state.config.store_is_shared) {
    answer(JobStatus{});
    return;
  }
  self->request(state.config.store, std::chrono::seconds(5), read_atom::value, id)
      .then([=](const JobStatus& status) { answer(status); },
            [=](caf::error&) { answer(JobStatus{}); });
}

void join(scheduler_pointer self, const NodeInfo& info, const worker_actor& pool,
          const std::vector<RunningAttempt>& running) {
  auto& state = self->state;
  auto previous = state.nodes.find(info.id);
  RunningSlots lost;
  if (previous != state.nodes.end()) lost = std::move(previous->second.running);
  NodeEntry& node = state.nodes[info.id];
  node = NodeEntry{info, pool, {}, false, state.now_ms()};
  node.caf_node = self->current_sender() ? self->current_sender()->node() : self->node();
  state.lost_nodes.erase(
      std::remove_if(state.lost_nodes.begin(), state.lost_nodes.end(),
                     [&](const NodeStats& gone) { return gone.info.id == info.id; }),
      state.lost_nodes.end());
  if (pool) self->monitor(pool);
  for (const auto& attempt : running) {
    lost.erase({attempt.job_id, attempt.attempt});
    if (state.book.claim(attempt.job_id, attempt.attempt, info.id)) {
      node.running.emplace(std::make_pair(attempt.job_id, attempt.attempt), kSlotUnknown);
    } else if (pool) {
      // Requeued meanwhile (or cancelled): the worker must not spend a slot on it.
      self->send(pool, cancel_atom::value, attempt.job_id, attempt.attempt);
    }
  }
  for (const auto& [attempt, slot] : lost) {
    requeue_lost(self, attempt.first, attempt.second,
                 "the worker node " + info.id + " no longer ran it");
  }
  log_node(self, telemetry::LogLevel::info, "node_joined",
           {{"node", info.id},
            {"roles", info.roles},
            {"slots", info.slots},
            {"attemptsClaimed", node.running.size()},
            {"attemptsRequeued", lost.size()}});
  dispatch(self);
}

// Shutdown of a scheduler that does not lead: it never will.
void retire(scheduler_pointer self) {
  if (self->state.phase == Phase::kLoading) step_down(self);  // Drops the load's answer.
  self->state.phase = Phase::kRetired;
}

local_scheduler_actor::behavior_type scheduler_behavior(scheduler_pointer self,
                                                        SchedulerConfig config) {
  if (!config.clock) config.clock = common::epoch_ms;
  self->state.config = std::move(config);
  self->state.book = JobBook(self->state.config.policy);
  self->delayed_send(self, kTickInterval, local_v<tick_atom>);
  self->set_down_handler([=](caf::down_msg& down) {
    for (const auto& [id, node] : self->state.nodes) {
      if (node.pool && node.pool.address() == down.source) {
        lose_node(self, id, "went down (" + caf::to_string(down.reason) + ")");
        return;
      }
    }
    drop_listener(self->state, down.source);
  });
  return {
      [=](submit_atom, const std::string& id, JobSpec& spec) -> caf::result<SubmitReply> {
        auto& state = self->state;
        if (!state.accepting()) {
          return SubmitReply{"", SubmitRefusal::kShuttingDown, "the server is shutting down", 5};
        }
        if (!state.leading()) {
          return SubmitReply{"", SubmitRefusal::kNoLeader,
                             "no scheduler leads the cluster at the moment", 1};
        }
        if (state.book.find(id) != nullptr) {
          // The same submission again (sent anew after its first leader was lost): the job is
          // accepted once.
          auto promise = self->make_response_promise<SubmitReply>();
          after_write(self, [promise, id]() mutable { promise.deliver(SubmitReply{id}); });
          return promise;
        }
        auto reply = state.book.add(id, std::move(spec), state.now_ms());
        if (reply.refusal != SubmitRefusal::kNone) return reply;
        // Before the promise, which takes the sender over.
        note(self, id, "accepted", sender_node(self));
        auto promise = self->make_response_promise<SubmitReply>();
        note(self, id, "queued", state.config.node_id,
             std::string(priority_name(state.book.find(id)->status->priority)) + " priority, " +
                 std::to_string(state.book.waiting()) + " waiting");
        persist(self, JobEvent{*state.book.find(id)->status, std::nullopt}, true);
        after_write(self, [self, promise, reply]() mutable {
          note(self, reply.job_id, "persisted", self->state.config.node_id,
               "epoch " + std::to_string(self->state.epoch));
          promise.deliver(reply);
        });
        dispatch(self);
        return promise;
      },
      [=](await_atom, const std::string& id) -> caf::result<JobStatus> {
        if (!self->state.leading()) return not_leading_error();
        auto promise = self->make_response_promise<JobStatus>();
        find_status(self, id, [=](const JobStatus& status) mutable {
          if (status.id.empty() || is_final(status.state)) {
            promise.deliver(status);
          } else {
            self->state.waiters[id].push_back(promise);
          }
        });
        return promise;
      },
      [=](status_atom, const std::string& id) -> caf::result<JobStatus> {
        if (!self->state.leading()) return not_leading_error();
        auto promise = self->make_response_promise<JobStatus>();
        find_status(self, id, [=](const JobStatus& status) mutable { promise.deliver(status); });
        return promise;
      },
      [=](cancel_atom, const std::string& id) -> caf::result<CancelReply> {
        auto& state = self->state;
        if (!state.leading()) return not_leading_error();
        std::string running_on;
        auto reply = state.book.cancel(id, state.now_ms(), &running_on);
        if (reply.result == CancelResult::kNotFound) {
          auto promise = self->make_response_promise<CancelReply>();
          find_status(self, id, [=](const JobStatus& status) mutable {
            const bool known = !status.id.empty();
            promise.deliver(CancelReply{
                known ? CancelResult::kAlreadyFinished : CancelResult::kNotFound, status});
          });
          return promise;
        }
        if (reply.result != CancelResult::kCancelled) return reply;
        note(self, id, "cancelled", sender_node(self));
        const auto node = state.nodes.find(running_on);
        if (node != state.nodes.end()) {
          node->second.running.erase({id, reply.status.attempts});
          if (node->second.pool)
            self->send(node->second.pool, cancel_atom::value, id, reply.status.attempts);
        }
        auto promise = self->make_response_promise<CancelReply>();
        persist(self, JobEvent{reply.status, std::nullopt});
        after_write(self, [promise, reply]() mutable { promise.deliver(reply); });
        dispatch(self);
        return promise;
      },
      [=](stats_atom) -> caf::result<SchedulerStats> {
        if (!self->state.leading()) return not_leading_error();
        return current_stats(self->state);
      },
      [=](list_atom, const JobQuery& query) -> caf::result<JobPage> {
        if (!self->state.leading()) return not_leading_error();
        return self->state.book.list(query);
      },
      [=](watch_atom, const std::string& id,
          const job_listener_actor& listener) -> caf::result<JobStatus> {
        if (!self->state.leading()) return not_leading_error();
        auto promise = self->make_response_promise<JobStatus>();
        find_status(self, id, [=](const JobStatus& status) mutable {
          if (!status.id.empty() && !is_final(status.state)) {
            // A stream whose client went away ends its listener: the down message drops it.
            self->monitor(listener);
            self->state.listeners[id].push_back(listener);
          }
          promise.deliver(status);
        });
        return promise;
      },
      [=](local<drain_atom>, int64_t grace_ms) -> caf::result<int64_t> {
        auto& state = self->state;
        if (!state.leading()) {
          if (state.accepting()) retire(self);
          return int64_t{0};
        }
        state.phase = Phase::kDraining;
        fail_waiting_jobs(self);
        state.drain_deadline_ms = state.now_ms() + grace_ms;
        auto promise = self->make_response_promise<int64_t>();
        state.drain_promises.push_back(promise);
        finish_drain_if_done(self);
        return promise;
      },
      [=](local<handover_atom>) -> caf::result<bool> {
        auto& state = self->state;
        if (!state.leading()) {
          if (state.accepting()) retire(self);
          return true;
        }
        state.phase = Phase::kHandingOver;
        auto promise = self->make_response_promise<bool>();
        state.handover_promises.push_back(promise);
        finish_handover_if_idle(self);
        return promise;
      },
      [=](join_atom, const NodeInfo& info, const worker_actor& pool,
          const std::vector<RunningAttempt>& running) -> caf::result<int64_t> {
        if (!self->state.leading()) return not_leading_error();
        join(self, info, pool, running);
        return self->state.epoch;
      },
      [=](heartbeat_atom, const std::string& node_id) -> caf::result<bool> {
        if (!self->state.leading()) return not_leading_error();
        const auto node = self->state.nodes.find(node_id);
        if (node == self->state.nodes.end()) return false;
        node->second.last_seen_ms = self->state.now_ms();
        return true;
      },
      [=](leave_atom, const std::string& node_id) -> caf::result<bool> {
        if (!self->state.leading()) return not_leading_error();
        const auto node = self->state.nodes.find(node_id);
        if (node == self->state.nodes.end()) return false;
        node->second.draining = true;
        return true;
      },
      [=](run_atom, const std::string& id, int32_t attempt, int32_t slot) {
        if (!self->state.leading()) return;
        const BookEntry* record = self->state.book.find(id);
        const auto node = record ? self->state.nodes.find(record->worker) : self->state.nodes.end();
        if (node == self->state.nodes.end() || record->status->attempts != attempt) return;
        const auto running = node->second.running.find({id, attempt});
        if (running != node->second.running.end()) running->second = slot;
        note(self, id, "started", node->first, slot_name(slot, node->second.info.slots));
      },
      [=](progress_atom, const std::string& id, int32_t attempt, const TestOutcome& test) {
        if (!self->state.leading()) return;
        // Every test of the current attempt, when it came (events wait for the tests before).
        const BookEntry* record = self->state.book.find(id);
        if (record && record->status->state == JobState::kActive &&
            record->status->attempts == attempt) {
          note(self, id, "test", record->worker,
               "#" + std::to_string(test.index + 1) + " " + judge::verdict_code(test.verdict) +
                   ", " + std::to_string(test.wall_ms) + " ms wall" +
                   slot_suffix(self->state, record->worker, started_slot(self->state, *record)));
        }
        for (const auto& event : self->state.book.record_test(id, attempt, test))
          publish(self, event, self->state.book.find(id)->status);
      },
      [=](report_atom, const AttemptReport& report) -> caf::result<bool> {
        auto& state = self->state;
        if (!state.leading()) return not_leading_error();
        // The node the attempt was given to: finish forgets it.
        const BookEntry* record = state.book.find(report.job_id);
        const std::string worker = record ? record->worker : "";
        release_slot(state, report.job_id, report.attempt);
        auto event = state.book.finish(report, state.now_ms());
        // A stale attempt's report (requeued, cancelled, already recorded) is acknowledged and
        // dropped: each job's result is recorded once.
        if (!event) {
          dispatch(self);
          return true;
        }
        note(self, report.job_id, "reported", worker,
             report_detail(report) + slot_suffix(state, worker, report.slot));
        auto promise = self->make_response_promise<bool>();
        note_outcome(self, *event, report.message);
        persist(self, *event);
        after_write(self, [promise]() mutable { promise.deliver(true); });
        // While a single node shuts down nothing is dispatched: a job queued again for a retry
        // fails now (in a cluster it stays in the store for the next leader).
        if (!state.accepting() && !state.config.store_is_shared) fail_waiting_jobs(self);
        dispatch(self);
        finish_drain_if_done(self);
        return promise;
      },
      [=](inspect_atom, const std::string& node_id, const inspector_actor& inspector) {
        // Only a node itself may announce its inspector.
        const auto node = self->state.nodes.find(node_id);
        if (self->state.leading() && node != self->state.nodes.end() &&
            sender_node(self) == node_id)
          node->second.inspector = inspector;
      },
      [=](inspect_atom) -> caf::result<ClusterView> {
        auto& state = self->state;
        if (!state.leading()) return not_leading_error();
        ClusterView view{current_stats(state), {state.lost_nodes.begin(), state.lost_nodes.end()},
                         {}};
        for (const auto& [id, node] : state.nodes) {
          if (node.inspector) view.inspectors.push_back(InspectorEntry{id, node.inspector});
        }
        return view;
      },
      [=](local<lead_atom>, int64_t epoch) { lead(self, epoch); },
      [=](local<inspect_atom>) {
        return describe(self, "scheduler", "scheduler", summary(self->state));
      },
      [=](local<follow_atom>) {
        auto& state = self->state;
        if (state.config.lost_epochs && state.epoch >= state.config.lost_epochs->load())
          state.config.lost_epochs->store(state.epoch + 1);
        step_down(self);
      },
      [=](local<tick_atom>) { on_tick(self); },
      [=](local<webhook_atom>, const std::string& id, WebhookStatus& webhook) {
        if (!self->state.leading()) return;
        if (auto status = self->state.book.record_webhook(id, std::move(webhook)))
          persist_record(self, std::move(status));
      },
  };
}

}  // namespace

local_scheduler_actor spawn_scheduler(caf::actor_system& system, SchedulerConfig config) {
  return system.spawn(scheduler_behavior, std::move(config));
}

}  // namespace codearena::actors
