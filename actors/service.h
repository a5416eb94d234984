// JobService: one node's actor system (submission, scheduler, sandbox pool, metrics actors)
// behind a plain C++ interface, so the HTTP front end needs no CAF headers.
//
// Every call returns at once and never blocks its caller (an asio thread); the answer comes
// through the callback, on one of the actor system's threads. A callback receiving nullopt means
// the service could not answer in time (an internal failure, reported as 503). Thread-safe.
// Constructing a JobService starts the sandbox (needs root) and may throw SandboxError.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/job_types.h"
#include "actors/scheduler.h"
#include "actors/worker_pool.h"
#include "sandbox/judge_stack.h"

namespace codearena::telemetry {
class Registry;
}

namespace codearena::actors {

struct ServiceConfig {
  SchedulerPolicy policy;
  WorkerPoolConfig worker;  // worker.slots is WORKER_CONCURRENCY.
  sandbox::JudgeStackConfig judging;
  int actor_threads = 0;  // CAF scheduler threads; 0: one per core.
  TransitionHook on_transition;
  // The node's metrics registry (owned by the caller, must outlive the service); the metrics
  // actor adds scheduler gauges to it and renders it.
  telemetry::Registry* metrics = nullptr;
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
  // The job's latest status, or null for no such job. Answers at once from the status board
  // the scheduler keeps current (no message round trip), so it may run on an asio thread.
  std::shared_ptr<const JobStatus> status(const std::string& id) const;
  // Answers when the job reaches a final state, or with its current status after `timeout_ms`.
  void await(const std::string& id, int64_t timeout_ms, Reply<JobStatus> done);
  void cancel(const std::string& id, Reply<CancelReply> done);
  void stats(Reply<SchedulerStats> done);
  // Prometheus text of this node (requires ServiceConfig::metrics).
  void metrics_text(Reply<std::string> done);
  // Streams a job's events: `started` gets the current status first (empty id: unknown job;
  // nullopt: failure); then `on_event` gets every event until the final one, and `on_quiet`
  // is called whenever `quiet_ms` pass without one (to keep a connection alive).
  void watch(const std::string& id, Reply<JobStatus> started,
             std::function<void(const JobEvent&)> on_event, int64_t quiet_ms,
             std::function<void()> on_quiet);

  // Shutdown: stop taking jobs, fail waiting ones, give running ones `grace_ms` to finish, fail
  // the rest. Blocks until done; returns how many jobs it failed.
  int64_t drain(int64_t grace_ms);

  const sandbox::LanguageTable& languages() const;
  const std::string& preparation_report() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace codearena::actors
