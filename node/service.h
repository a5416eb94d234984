// JobService: one node's actor system (submission, scheduler, sandbox pool, metrics actors,
// the job store and the cluster membership) behind a plain C++ interface, so the HTTP front end
// needs no CAF headers. Which actors run depends on the node's roles; with one node and no
// cluster settings (the embedded default) it holds every role and leads alone.
//
// Every call returns at once and never blocks its caller (an asio thread); the answer comes
// through the callback, on one of the actor system's threads. A callback receiving nullopt means
// the service could not answer in time (an internal failure, or no leader reachable: reported
// as 503). Thread-safe. Constructing a JobService starts the sandbox (needs root) and may throw
// SandboxError, std::runtime_error when the cluster port cannot be opened, or
// std::invalid_argument when WORKER_LANGUAGES names a language the node cannot run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/job_types.h"
#include "actors/scheduler.h"
#include "actors/worker_pool.h"
#include "judge/judge_stack.h"
#include "node/inspection.h"

namespace codearena::telemetry {
class Logger;
class Registry;
}  // namespace codearena::telemetry

namespace codearena::actors {

// Where the node stands in a cluster (see docs/cluster.md). Defaults: the embedded single node.
struct ClusterConfig {
  std::string node_id = "local";  // Unique in the cluster.
  bool api = true;
  bool scheduler = true;
  bool worker = true;
  std::string redis_url;  // Job store and leader lease in Redis; empty: in memory.
  std::string redis_password;  // AUTH for redis_url; empty: none.
  std::string join;       // host:port of the leader's cluster port, for a cluster without Redis.
  std::string listen;     // host:port to accept cluster connections on; empty: none.
  std::string advertise;  // host:port other nodes reach this node at; empty: `listen`.
  int64_t lease_ttl_ms = 5000;
  int64_t heartbeat_interval_ms = 1000;
  int64_t node_timeout_ms = 5000;    // A node silent this long is lost (its jobs requeued).
  // A queued job whose language no worker offers fails after this long (NO_WORKER_TIMEOUT).
  int64_t no_worker_timeout_ms = 180'000;
  // TLS between nodes (CAF's OpenSSL module): with a certificate, key and CA file both sides
  // verify each other; with none the link is encrypted but not authenticated.
  bool tls = false;
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_ca_file;

  bool networked() const { return !redis_url.empty() || !join.empty() || !listen.empty(); }
};

struct ServiceConfig {
  SchedulerPolicy policy;
  WorkerPoolConfig worker;  // worker.slots is WORKER_CONCURRENCY.
  judge::JudgeStackConfig judging;
  int actor_threads = 0;  // CAF scheduler threads; 0: one per core.
  TransitionHook on_transition;
  // The node's metrics registry (owned by the caller, must outlive the service); the metrics
  // actor adds scheduler gauges to it and renders it.
  telemetry::Registry* metrics = nullptr;
  ClusterConfig cluster;
  // Where the node logs cluster events (required; owned by the caller, must outlive the
  // service).
  telemetry::Logger* logger = nullptr;
};

template <class T>
using Reply = std::function<void(std::optional<T>)>;

class JobService {
 public:
  explicit JobService(ServiceConfig config);
  ~JobService();  // Stops the actors, then the sandbox.
  JobService(const JobService&) = delete;
  JobService& operator=(const JobService&) = delete;

  void submit(JobSpec spec, Reply<SubmitReply> done);
  // The job's latest status (empty id: no such job). On the leader it answers at once from the
  // status board the scheduler keeps current; elsewhere it asks the leader.
  void status(const std::string& id, Reply<JobStatus> done);
  // Answers when the job reaches a final state, or with its current status after `timeout_ms`.
  void await(const std::string& id, int64_t timeout_ms, Reply<JobStatus> done);
  void cancel(const std::string& id, Reply<CancelReply> done);
  void stats(Reply<SchedulerStats> done);
  // A page of the jobs the leader holds (finished ones until their retention ends), newest first.
  void list(JobQuery query, Reply<JobPage> done);
  // Records how the webhook of finished job `id` stands, through this node's scheduler (the
  // leader that finished the job delivers its webhook); dropped when it no longer leads.
  void record_webhook(const std::string& id, WebhookStatus webhook);
  // The cluster's nodes and actors, gathered now from the leader and every node (see
  // node/inspection.h); nullopt when no leader answered.
  void inspect(Reply<ClusterInspection> done);
  // Prometheus text of this node (requires ServiceConfig::metrics).
  void metrics_text(Reply<std::string> done);
  // Streams a job's events: `started` gets the current status first (empty id: unknown job;
  // nullopt: failure); then `on_event` gets every event until the final one, and `on_quiet`
  // is called whenever `quiet_ms` pass without one (to keep a connection alive); when it returns
  // false (the client went away) the stream ends and the scheduler forgets it. When the leader
  // is lost meanwhile, the stream continues with the next leader (the job's state then, then
  // its events). When one of these callbacks throws, only this stream ends: the failure is
  // logged and `on_failed` is called (on an actor thread) so that the caller can close it.
  void watch(const std::string& id, Reply<JobStatus> started,
             std::function<void(const JobEvent&)> on_event, int64_t quiet_ms,
             std::function<bool()> on_quiet, std::function<void()> on_failed);

  // Shutdown. A single node (job state in memory) stops taking jobs, fails waiting ones, gives
  // running ones `grace_ms` to finish and fails the rest. In a cluster with Redis a worker stops
  // taking jobs and finishes its running ones (up to `grace_ms`) and a leader hands its lease
  // and jobs over. Blocks until done; returns how many jobs it failed or left unfinished.
  int64_t drain(int64_t grace_ms);

  const judge::LanguageTable& languages() const;
  // What preparing the precompiled headers did, for logs; empty on a node without the worker
  // role (such a node has no sandbox).
  std::string preparation_report() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace codearena::actors
