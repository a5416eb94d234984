// The scheduler's bookkeeping: every job it knows, the priority queues, retries with backoff,
// retention of finished jobs, and the statistics /api/stats shows.
//
// Pure state without messaging or clocks of its own (callers pass `now_ms`), so the rules are
// testable alone; the scheduler actor (actors/scheduler.h) owns one and is its only user. Not
// thread-safe. Methods that change a job return the JobEvent to publish, when there is one.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/job_types.h"

namespace codearena::actors {

struct SchedulerPolicy {
  int64_t queue_max_depth = 1000;  // Jobs waiting (queued or in retry backoff); beyond: refused.
  int32_t max_attempts = 3;        // Attempts per job; only internal errors start another one.
  int64_t retry_base_ms = 500;     // First backoff; doubles per attempt, with jitter.
  int64_t retry_max_ms = 30'000;
  int64_t retention_ms = 3'600'000;        // How long finished jobs stay queryable.
  size_t max_retained_finished = 100'000;  // Bound on finished jobs kept, oldest dropped first.
  // Bound on the memory finished jobs hold (approximate_bytes of status and spec), oldest
  // dropped first.
  size_t retention_bytes = size_t{128} << 20;
  size_t kept_output_bytes = kDefaultKeptOutputBytes;  // Of each test's stdout and stderr.
};

// A job the book holds. `worker` names the worker running it (empty when not running).
// `status` is immutable and replaced whole on every change, so that the status board and
// events can share it instead of copying a finished job's result.
struct BookEntry {
  JobSpec spec;
  std::shared_ptr<const JobStatus> status;
  std::string worker;
  int64_t retry_due_ms = 0;  // When a job in retry backoff may run again.
  // Tests of the current attempt that finished before one with a lower index, by index.
  std::map<int32_t, TestOutcome> held_tests;
};

// Names the worker to run a queued job of this language now, or "" when none takes it (every
// worker offering the language is busy, or none offers it).
using WorkerChooser = std::function<std::string(const std::string& language)>;

// Whether a queued job must fail now: the reason, or "" to keep it queued.
using QueuedJobVerdict = std::function<std::string(const BookEntry& record)>;

class JobBook {
 public:
  explicit JobBook(SchedulerPolicy policy, uint64_t seed = std::random_device{}());

  // Queues a new job with a fresh id. Refuses (`refusal` set) when the queue is full.
  SubmitReply add(const std::string& id, JobSpec spec, int64_t now_ms);

  const BookEntry* find(const std::string& id) const;

  // Adds a hop to the job's timeline (see add_hop); ignored for a job the book does not hold.
  void note(const std::string& id, JobHop hop);

  // Jobs waiting to run (queued plus retry backoff): what QUEUE_MAX_DEPTH bounds.
  int64_t waiting() const;

  // Moves retries whose backoff is over back to their queue, then takes the first job in
  // priority order and marks it active on `worker` (attempts + 1). Empty when nothing is ready.
  std::optional<std::pair<BookEntry*, JobEvent>> start_next(const std::string& worker,
                                                            int64_t now_ms);
  // The same, but the job taken is the first in priority order for which `choose` names a
  // worker (it then runs there): jobs no worker takes stay queued, in their place, and do not
  // hold back those behind them. `choose` is asked once per language per call.
  std::optional<std::pair<BookEntry*, JobEvent>> start_next(const WorkerChooser& choose,
                                                            int64_t now_ms);

  // When the next retry backoff ends (to arm a timer), if any job is in backoff.
  std::optional<int64_t> next_retry_due() const;

  // A finished test of the current attempt (its output as it came, not capped). Tests run in
  // parallel finish in any order; events come out in index order: a test after a gap is held
  // until the tests before it have finished, then its event follows theirs. tests_done counts
  // the tests whose events went out. Empty for stale attempts and held tests.
  std::vector<JobEvent> record_test(const std::string& id, int32_t attempt,
                                    const TestOutcome& test);

  // The end of an attempt. Judged → completed, each test's output kept up to
  // policy.kept_output_bytes; internal error → retry after a backoff or, after
  // the last attempt, failed; rejected → failed; not started → queued again at once at the
  // head of its queue, without backoff; reports of stale attempts are ignored.
  std::optional<JobEvent> finish(const AttemptReport& report, int64_t now_ms);

  // Records how the webhook of finished job `id` stands (its last error cut to a few hundred
  // bytes). Null, and nothing changes, when the book no longer holds the job, it has no webhook,
  // its delivery has ended already or `webhook` is about an earlier attempt; else the job's new
  // status, to persist and publish (no event: listeners have had the final one).
  std::shared_ptr<const JobStatus> record_webhook(const std::string& id, WebhookStatus webhook);

  // Cancels a queued or running job. `was_running_on` gets the worker to stop, if it ran.
  CancelReply cancel(const std::string& id, int64_t now_ms, std::string* was_running_on);

  // Marks every waiting job failed (shutdown); returns their events.
  std::vector<JobEvent> fail_waiting(const std::string& reason, int64_t now_ms);
  // Marks the queued jobs failed for which `verdict` gives a reason (with that reason); returns
  // their events. Jobs in retry backoff are not looked at.
  std::vector<JobEvent> fail_queued(const QueuedJobVerdict& verdict, int64_t now_ms);
  // Marks every running job failed; returns (event, worker) pairs so the caller can stop them.
  std::vector<std::pair<JobEvent, std::string>> fail_running(const std::string& reason,
                                                             int64_t now_ms);

  // Takes over an unfinished job a previous leader persisted: a queued one joins its queue
  // (call in priority and age order), an active one stays active on no worker until a worker
  // claims it or it is requeued as lost. Finished or already known jobs are ignored.
  void restore(const StoredJob& job);

  // A worker says it runs (or has just finished) this attempt of the job. True when the book
  // has the job active in that attempt on no worker or on this one; it is then on `worker`.
  bool claim(const std::string& id, int32_t attempt, const std::string& worker);

  // The active jobs' attempts on `worker` ("": on no worker, i.e. unclaimed since a failover).
  std::vector<RunningAttempt> running_on(const std::string& worker) const;

  // Forgets finished jobs older than the retention time and, oldest first, those beyond the
  // count and byte bounds; returns their ids.
  std::vector<std::string> expire(int64_t now_ms);

  // The jobs matching `query`, newest first (by creation time, then id), at most query.limit;
  // results are reduced to their summary (no tests, no compiler output).
  JobPage list(const JobQuery& query) const;

  // What finished jobs hold now, approximately (see SchedulerPolicy::retention_bytes).
  size_t retained_bytes() const { return retained_bytes_; }

  int64_t active() const { return active_; }
  // Everything but worker and slot figures, which the scheduler fills in.
  SchedulerStats stats(int64_t now_ms) const;

 private:
  JobEvent event_of(const BookEntry& record, bool with_result) const;
  JobEvent settle(BookEntry& record, JobStatus& status, JobState state, int64_t now_ms);
  JobEvent fail(BookEntry& record, const std::string& reason, int64_t now_ms);
  std::pair<BookEntry*, JobEvent> start(BookEntry& record, const std::string& worker,
                                        int64_t now_ms);
  int64_t backoff_ms(int32_t attempts_done);
  void promote_due_retries(int64_t now_ms);
  // Puts the job in its priority's queue (at the head when `ahead`) and counts it.
  void enqueue(const JobStatus& status, bool ahead);
  // Counts off a job just taken out of its queue.
  void dequeued(const JobStatus& status);

  SchedulerPolicy policy_;
  std::mt19937_64 random_;
  std::unordered_map<std::string, BookEntry> jobs_;
  // Every job in `jobs_` as (created_at_ms, id), newest first: the listing's order; and the
  // same by owner, so that an owner's listing reads only its own jobs, never every job kept.
  using CreationOrder = std::set<std::pair<int64_t, std::string>, std::greater<>>;
  CreationOrder by_creation_;
  std::unordered_map<std::string, CreationOrder> by_owner_;
  void index(const JobStatus& status);
  void unindex(const JobStatus& status);
  std::deque<std::string> queues_[kPriorityCount];
  // The jobs in `queues_` by language, then priority: kept with the queues so that stats need
  // no scan. Languages with no queued job are left out.
  std::map<std::string, std::vector<int64_t>> queued_by_language_;
  std::multimap<int64_t, std::string> retries_;                 // due time -> job id
  std::deque<std::pair<int64_t, std::string>> finished_order_;  // finish time, id (ascending)
  size_t retained_bytes_ = 0;                                   // Of the finished jobs.
  int64_t active_ = 0;
  int64_t submitted_ = 0;
  int64_t totals_[3] = {0, 0, 0};  // completed, failed, cancelled
  // Jobs finished per second over the last minute: (second, count), oldest first.
  std::deque<std::pair<int64_t, int64_t>> finishes_per_second_;
  std::vector<int64_t> latencies_ms_;  // Ring of recent submit-to-finish latencies.
  size_t latency_next_ = 0;
};

}  // namespace codearena::actors
