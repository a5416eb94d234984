// The message contracts between CodeArena's actors: atoms, the serialization of every message
// type, and the typed interfaces, in one place so a wrong message is a compile error.
//
// Every type here may cross nodes (CAF remoting), so each has an inspect() overload and is
// registered by register_message_types(), which every node must call on its configuration
// before starting its actor system; the one exception is the `local` tag, which must never
// cross. Each interface other nodes talk to (scheduler_actor, worker_actor, job_listener_actor)
// holds only what they may send; what a node tells its own actors is in a local extension.
#pragma once

#include <type_traits>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <optional>
#include <type_traits>

#include "actors/job_fields.h"
#include "actors/job_types.h"

namespace codearena::actors {

using submit_atom = caf::atom_constant<caf::atom("submit")>;
using await_atom = caf::atom_constant<caf::atom("await")>;
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;
using stats_atom = caf::atom_constant<caf::atom("stats")>;
using watch_atom = caf::atom_constant<caf::atom("watch")>;
using event_atom = caf::atom_constant<caf::atom("event")>;
using join_atom = caf::atom_constant<caf::atom("join")>;
using run_atom = caf::atom_constant<caf::atom("run")>;
using progress_atom = caf::atom_constant<caf::atom("progress")>;
using report_atom = caf::atom_constant<caf::atom("report")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using drain_atom = caf::atom_constant<caf::atom("drain")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using render_atom = caf::atom_constant<caf::atom("render")>;
using status_atom = caf::atom_constant<caf::atom("status")>;
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using leave_atom = caf::atom_constant<caf::atom("leave")>;
using lead_atom = caf::atom_constant<caf::atom("lead")>;
using follow_atom = caf::atom_constant<caf::atom("follow")>;
using leader_atom = caf::atom_constant<caf::atom("leader")>;
using running_atom = caf::atom_constant<caf::atom("running")>;
using write_atom = caf::atom_constant<caf::atom("write")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using handover_atom = caf::atom_constant<caf::atom("handover")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using webhook_atom = caf::atom_constant<caf::atom("webhook")>;
using inspect_atom = caf::atom_constant<caf::atom("inspect")>;

// CAF 0.17 serializes caf::optional but not std::optional: this view of one writes a flag and,
// when set, the value, and reads them back.
template <class T>
struct OptionalView {
  std::optional<T>& value;
};

template <class T>
T& inspectable(T& value) {
  return value;
}
template <class T>
OptionalView<T> inspectable(std::optional<T>& value) {
  return {value};
}

template <class Inspector, class T>
std::enable_if_t<Inspector::reads_state, typename Inspector::result_type> inspect(
    Inspector& f, OptionalView<T>& x) {
  return x.value ? f(true, *x.value) : f(false);
}

// Reading: the value's inspect runs after the flag has been read, so it knows whether to run.
template <class T>
struct OptionalValueLoader {
  bool& set;
  std::optional<T>& value;
};

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, OptionalValueLoader<T>& x) {
  if (!x.set) {
    x.value.reset();
    return f();
  }
  x.value.emplace();
  return f(*x.value);
}

template <class Inspector, class T>
std::enable_if_t<Inspector::writes_state, typename Inspector::result_type> inspect(
    Inspector& f, OptionalView<T>& x) {
  bool set = false;
  OptionalValueLoader<T> loader{set, x.value};
  return f(set, loader);
}

// inspect() of the persisted job types, from their field lists (actors/job_fields.h).
template <class Inspector, class S>
typename Inspector::result_type inspect_fields(Inspector& f, S& x) {
  return fields(
      [&f](const char* type_name, auto... member) {
        return f(caf::meta::type_name(type_name), inspectable(member.value)...);
      },
      x);
}

// The tag of a message only actors of the same node send: timers, slot runners, the membership
// telling its scheduler to lead, the node's shutdown. The tag has no serialization and is not
// registered, so CAF cannot serialize such a message (a node that tries sends an empty one) nor
// decode one: no other node can send it, whatever handle it holds. Handles published to other
// nodes carry none of these messages.
template <class Atom>
struct local {};
template <class Atom>
constexpr local<Atom> local_v{};

// Every actor of a node describes itself when the node's inspector asks (node/inspection.h),
// with describe() (actors/counted_actor.h).
using inspect_self = caf::replies_to<local<inspect_atom>>::with<ActorReport>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TestCaseSpec& x) {
  return inspect_fields(f, x);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobSpec& x) {
  return inspect_fields(f, x);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, TestOutcome& x) {
  return inspect_fields(f, x);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobOutcome& x) {
  return inspect_fields(f, x);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, WebhookStatus& x) {
  return inspect_fields(f, x);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobStatus& x) {
  return inspect_fields(f, x);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobHop& x) {
  return inspect_fields(f, x);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, StoredJob& x) {
  return inspect_fields(f, x);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, AttemptReport& x) {
  return f(caf::meta::type_name("AttemptReport"), x.job_id, x.attempt, x.kind, x.outcome,
           x.message, x.slot);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobEvent& x) {
  return f(caf::meta::type_name("JobEvent"), x.status, inspectable(x.test));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SubmitReply& x) {
  return f(caf::meta::type_name("SubmitReply"), x.job_id, x.refusal, x.error_message,
           x.retry_after_s);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CancelReply& x) {
  return f(caf::meta::type_name("CancelReply"), x.result, x.status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobQuery& x) {
  return f(caf::meta::type_name("JobQuery"), x.any_owner, x.owner, x.state, x.language,
           x.after_created_ms, x.after_id, x.limit);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, JobPage& x) {
  return f(caf::meta::type_name("JobPage"), x.jobs, x.more);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeInfo& x) {
  return f(caf::meta::type_name("NodeInfo"), x.id, x.roles, x.address, x.slots,
           x.languages);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RunningAttempt& x) {
  return f(caf::meta::type_name("RunningAttempt"), x.job_id, x.attempt);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeStats& x) {
  return f(caf::meta::type_name("NodeStats"), x.info, x.busy, x.draining, x.leader, x.last_seen_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SchedulerStats& x) {
  return f(caf::meta::type_name("SchedulerStats"), x.queued_by_priority, x.retry_waiting, x.active,
           x.slots_total, x.slots_busy, x.workers, x.completed, x.failed, x.cancelled, x.submitted,
           x.retained, x.retained_bytes, x.listeners, x.jobs_per_second_last_minute,
           x.latency_p50_ms, x.latency_p90_ms, x.latency_p99_ms, x.latency_samples, x.accepting,
           x.leader, x.epoch, x.nodes, x.nodes_lost, x.queued_by_language);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ActorReport& x) {
  return f(caf::meta::type_name("ActorReport"), x.name, x.type, x.mailbox, x.handled, x.idle_ms,
           x.busy_us, x.state);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeReport& x) {
  return f(caf::meta::type_name("NodeReport"), x.id, x.version, x.languages, x.started_at_ms,
           x.lease_left_ms, x.actors);
}

// A node's introspection, as the leader and the nodes gathering for `codearena inspect` see it:
// describes the node and its actors (docs/inspect.md). Answers at once; never blocks.
using inspector_actor = caf::typed_actor<caf::replies_to<inspect_atom>::with<NodeReport>>;

// A node's inspector, as the node announced it to the leader.
struct InspectorEntry {
  std::string node;
  inspector_actor inspector;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, InspectorEntry& x) {
  return f(caf::meta::type_name("InspectorEntry"), x.node, x.inspector);
}

// The cluster as the leader sees it, for `codearena inspect`: its figures (nodes included), the
// nodes it lost recently (NodeStats as last seen, most recent last) and the nodes' inspectors.
struct ClusterView {
  SchedulerStats stats;
  std::vector<NodeStats> lost;
  std::vector<InspectorEntry> inspectors;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ClusterView& x) {
  return f(caf::meta::type_name("ClusterView"), x.stats, x.lost, x.inspectors);
}

// Receives a job's events (SSE streams, waiters). The scheduler stops sending after the final
// state's event.
using job_listener_actor = caf::typed_actor<caf::reacts_to<event_atom, JobEvent>>;

// A worker node's sandbox pool as the leader sees it: runs attempts it is given (job id,
// attempt, spec, how many of its slots the job's test cases may use at once) and stops them on
// cancel.
using worker_actor =
    caf::typed_actor<caf::reacts_to<run_atom, std::string, int32_t, JobSpec, int32_t>,
                     caf::reacts_to<cancel_atom, std::string, int32_t>>;

// The job store of the leader, a detached actor owning a blocking cluster::JobStore. write
// persists a batch as the holder of an epoch: true once written, false when fenced by a newer
// epoch (nothing written); while the store is unreachable it keeps retrying. load returns
// every unfinished job; read one job's status (empty id: unknown).
using store_actor =
    caf::typed_actor<caf::replies_to<write_atom, int64_t, std::vector<StoredJob>>::with<bool>,
                     caf::replies_to<load_atom>::with<std::vector<StoredJob>>,
                     caf::replies_to<read_atom, std::string>::with<JobStatus>, inspect_self>;

// The scheduler as other nodes see it: what its node publishes on the cluster port. It leads
// while its node holds the leader lease and refuses requests otherwise. The leader owns the job
// book, persists every transition in the job store before acknowledging it and publishes every
// job's status to the node's status board. Replies with an empty job id mean "no such job".
// - join: a node introduces itself (with its pool and the attempts it runs, which the leader
//   claims; workers without the worker role pass an invalid pool); replies with the epoch.
// - heartbeat: a node is alive; false when the leader does not know it (it must join again).
// - list: a page of the jobs the leader holds (see JobBook::list).
// - leave: the node drains; nothing new is dispatched to it.
// - run: a worker started an attempt on one of its slots (job id, attempt, slot index).
// - report: the end of an attempt; the reply (true) comes once the outcome is persisted.
// - inspect with a node id and its inspector: the node announces its introspection (after
//   join); inspect alone: the cluster as the leader sees it (ClusterView).
using scheduler_actor = caf::typed_actor<
    caf::replies_to<submit_atom, std::string, JobSpec>::with<SubmitReply>,
    caf::replies_to<await_atom, std::string>::with<JobStatus>,
    caf::replies_to<status_atom, std::string>::with<JobStatus>,
    caf::replies_to<cancel_atom, std::string>::with<CancelReply>,
    caf::replies_to<stats_atom>::with<SchedulerStats>,
    caf::replies_to<list_atom, JobQuery>::with<JobPage>,
    caf::replies_to<watch_atom, std::string, job_listener_actor>::with<JobStatus>,
    caf::replies_to<join_atom, NodeInfo, worker_actor, std::vector<RunningAttempt>>::with<int64_t>,
    caf::replies_to<heartbeat_atom, std::string>::with<bool>,
    caf::replies_to<leave_atom, std::string>::with<bool>,
    caf::reacts_to<run_atom, std::string, int32_t, int32_t>,
    caf::reacts_to<progress_atom, std::string, int32_t, TestOutcome>,
    caf::replies_to<report_atom, AttemptReport>::with<bool>,
    caf::reacts_to<inspect_atom, std::string, inspector_actor>,
    caf::replies_to<inspect_atom>::with<ClusterView>>;

// The scheduler as its own node runs it: the published interface plus what only the node tells
// it (see local above).
// - lead with the epoch of the lease the membership holds; follow when the lease is lost.
// - drain (single node): stops dispatch, fails waiting jobs, waits for running ones up to the
//   grace time (milliseconds), fails the rest, and replies with the number of jobs it failed.
// - handover (cluster): stops dispatching and answering, persists what is pending, and replies;
//   the jobs stay in the store for the next leader.
// - tick: its own timer.
// - webhook: how the delivery of a finished job's webhook stands (its node delivers them).
using local_scheduler_actor = scheduler_actor::extend<
    caf::reacts_to<local<webhook_atom>, std::string, WebhookStatus>,
    caf::reacts_to<local<lead_atom>, int64_t>, caf::reacts_to<local<follow_atom>>,
    caf::replies_to<local<drain_atom>, int64_t>::with<int64_t>,
    caf::replies_to<local<handover_atom>>::with<bool>, caf::reacts_to<local<tick_atom>>,
    inspect_self>;

// A node's local actors learn the current leader through this message (an invalid handle while
// none is known): the pool joins it, the submission actor forwards to it.
using leader_notice = caf::reacts_to<local<leader_atom>, scheduler_actor>;

// The sandbox pool as its node runs it: a worker_actor that follows the leader. `running` lists
// the attempts it runs or has finished without the leader acknowledging the report yet (a new
// leader claims them). `drain` stops it taking jobs, waits up to the grace time (milliseconds)
// for its attempts to end and be acknowledged, and replies with how many had not. idle, report
// and progress come from its own slot runners, tick from itself.
using pool_actor = worker_actor::extend<
    leader_notice, caf::replies_to<local<running_atom>>::with<std::vector<RunningAttempt>>,
    caf::replies_to<local<drain_atom>, int64_t>::with<int64_t>,
    caf::reacts_to<local<idle_atom>, int32_t>, caf::reacts_to<local<report_atom>, AttemptReport>,
    caf::reacts_to<local<progress_atom>, std::string, int32_t, TestOutcome>,
    caf::reacts_to<local<tick_atom>>, inspect_self>;

// The entry point for clients of one node, never published: assigns job ids and forwards to
// the leader (tick with a request's key: its own timer to send that request again).
using submission_actor =
    caf::typed_actor<caf::replies_to<submit_atom, JobSpec>::with<SubmitReply>,
                     caf::replies_to<await_atom, std::string>::with<JobStatus>,
                     caf::replies_to<status_atom, std::string>::with<JobStatus>,
                     caf::replies_to<cancel_atom, std::string>::with<CancelReply>,
                     caf::replies_to<stats_atom>::with<SchedulerStats>,
                     caf::replies_to<list_atom, JobQuery>::with<JobPage>,
                     caf::replies_to<watch_atom, std::string, job_listener_actor>::with<JobStatus>,
                     caf::replies_to<inspect_atom>::with<ClusterView>, leader_notice,
                     caf::reacts_to<local<tick_atom>, uint64_t>, inspect_self>;

// The node's metrics: replies with the Prometheus text of the node's registry, gauges of the
// cluster's figures (asked from the leader) refreshed first.
using metrics_actor =
    caf::typed_actor<caf::replies_to<render_atom>::with<std::string>, inspect_self>;

// The error a scheduler answers with while it does not lead (standing by, loading the jobs of a
// failover, handing over): the request may go to the leader once there is one.
inline caf::error not_leading_error() {
  return caf::error(1, caf::atom("leader"));
}
inline bool is_not_leading(const caf::error& error) {
  return error.code() == 1 && error.category() == caf::atom("leader");
}

// Registers every type above with the configuration (call once per node, before the system).
void register_message_types(caf::actor_system_config& config);

}  // namespace codearena::actors

namespace caf {
// Allowed in messages between actors of one process only (see codearena::actors::local).
template <class Atom>
struct allowed_unsafe_message_type<codearena::actors::local<Atom>> : std::true_type {};
}  // namespace caf
