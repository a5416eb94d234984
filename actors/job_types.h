// The job vocabulary shared by the HTTP front end and the actors: what a client asks for, what
// a worker reports, and what a status query returns.
//
// Plain value types without CAF: http/ fills a JobSpec, actors/ move these structs between
// actors and the job store persists them. actors/job_fields.h lists their fields once for both
// the actors' serialization (actors/messages.h) and the stored JSON (cluster/record_json.h), so
// nothing in them may be process-local: no pointers, no handles, times as milliseconds since
// the Unix epoch. Copyable; no thread-safety concerns of their own.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "judge/judge_vocabulary.h"

namespace codearena::actors {

using judge::CheckerKind;
using judge::Verdict;

enum class Priority : uint8_t { kHigh = 0, kNormal = 1, kLow = 2 };
constexpr int kPriorityCount = 3;

// "high", "normal", "low".
const char* priority_name(Priority priority);
std::optional<Priority> parse_priority(const std::string& name);

enum class JobState : uint8_t { kQueued, kActive, kCompleted, kFailed, kCancelled };

// "queued", "active", "completed", "failed", "cancelled".
const char* state_name(JobState state);
std::optional<JobState> parse_state(const std::string& name);
bool is_final(JobState state);

struct TestCaseSpec {
  std::string input;
  std::optional<std::string> expected_output;  // Absent: the run only has to succeed.
};

// What a client submits, already validated by the front end. Limits of -1 take the server's
// defaults for the language.
struct JobSpec {
  std::string language;
  std::string code;
  std::string input;  // stdin when there are no test cases.
  std::vector<TestCaseSpec> tests;
  int64_t time_limit_ms = -1;
  int64_t memory_limit_bytes = -1;
  int64_t output_limit_bytes = -1;
  CheckerKind checker = CheckerKind::kDefault;
  double checker_absolute_epsilon = 1e-6;
  double checker_relative_epsilon = 1e-6;
  std::string checker_language;  // custom checker
  std::string checker_code;
  bool stop_on_first_failure = false;
  Priority priority = Priority::kNormal;
  std::string callback_url;  // Empty: no webhook.
  // The authenticated subject that submitted the job; empty when the API runs without
  // authentication (or the job was stored before owners were kept): no owner.
  std::string owner;
  // The client asked for stdout and stderr in base64 (outputEncoding "base64"): every byte
  // arrives as written, where text replaces bytes that are not UTF-8.
  bool base64_output = false;
};

// One finished test case (or the single run of a job without test cases).
struct TestOutcome {
  int32_t index = 0;
  Verdict verdict = Verdict::kInternalError;  // Never kCompilationError.
  int64_t cpu_ms = 0;
  int64_t wall_ms = 0;
  int64_t memory_kb = 0;
  int32_t exit_code = 0;
  std::string signal;  // "SIGSEGV", or empty.
  std::string stdout_data;
  std::string stderr_data;
  std::string message;
  // The output was longer than the node keeps per test (KEPT_OUTPUT): only its start is here.
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  // The limit that ended the run ("cpu_time", "wall_time", "memory", "output"), or empty.
  std::string limit_exceeded;
  bool base64_output = false;  // As the job's JobSpec::base64_output.
};

// The judged result of a job: the verdicts of the judging engine.
struct JobOutcome {
  // First non-AC test's verdict, else AC; CE when compilation failed.
  Verdict verdict = Verdict::kInternalError;
  std::string language;
  std::string compile_output;
  bool compile_cached = false;
  int64_t compile_ms = -1;  // Wall time of the compilation; -1: the language is not compiled.
  std::vector<TestOutcome> tests;
  int32_t passed = 0;
  int32_t total = 0;
  int32_t skipped = 0;  // Tests with verdict SKIPPED (not run after a failure).
  int64_t max_cpu_ms = 0;
  int64_t max_memory_kb = 0;
  std::string message;
  int64_t time_limit_ms = 0;
  int64_t memory_limit_bytes = 0;
  int64_t output_limit_bytes = 0;
  int64_t wall_limit_ms = 0;  // 0 in records stored before the wall limit was reported.
};

// What a node keeps of each test's stdout and stderr in a result by default (KEPT_OUTPUT).
constexpr size_t kDefaultKeptOutputBytes = size_t{256} << 10;

// Shortens every test's stdout and stderr to at most `kept_bytes` (at a UTF-8 character
// boundary) and flags the shortened ones; the rest of the outcome stays as it is.
void cap_kept_output(JobOutcome& outcome, size_t kept_bytes);
// True when no test's stdout or stderr is longer than `kept_bytes`.
bool output_within(const JobOutcome& outcome, size_t kept_bytes);

// What a worker reports at the end of one attempt.
struct AttemptReport {
  std::string job_id;
  int32_t attempt = 0;
  enum class Kind : uint8_t {
    kJudged,         // `outcome` holds the verdicts (of the user's program).
    kInternalError,  // The system failed; `message` says why. Retried.
    kRejected,       // The job cannot run (e.g. a language this worker lacks); not retried.
    kCancelled,      // Stopped by a cancel.
    kNotStarted,     // The worker gave the job back unrun (leaving, no free slot): rerun now.
  } kind = Kind::kInternalError;
  JobOutcome outcome;
  std::string message;
  int32_t slot = -1;  // The worker's slot that ran it (from 0); -1 when none did.
};

// One step of a job's way through the cluster: when (milliseconds since the Unix epoch), what
// ("accepted", "queued", "persisted", "dispatched", "test", "reported", "retry", "requeued",
// "restored", or the final state's name), on which node, and its particulars.
struct JobHop {
  int64_t at_ms = 0;
  std::string event;
  std::string node;
  std::string detail;
};

// How many hops a job keeps: the first one and the latest (see add_hop).
constexpr size_t kTimelineMaxHops = 64;

// Appends `hop` to `timeline`; once it holds kTimelineMaxHops, the oldest hop after the first
// goes (the first says where the job entered).
void add_hop(std::vector<JobHop>& timeline, JobHop hop);

// Where the webhook of a finished job stands: none (no callbackUrl, or the job is not finished),
// pending (queued for delivery), delivering (attempts made, more to come), delivered, failed.
enum class WebhookState : uint8_t { kNone, kPending, kDelivering, kDelivered, kFailed };

// "none", "pending", "delivering", "delivered", "failed".
const char* webhook_state_name(WebhookState state);
std::optional<WebhookState> parse_webhook_state(const std::string& name);

struct WebhookStatus {
  WebhookState state = WebhookState::kNone;
  int32_t attempts = 0;    // Requests tried so far.
  std::string last_error;  // Of the last attempt; empty when it succeeded or none was made.
  int32_t last_status = 0;  // HTTP status of the last attempt's answer; 0 without one.
};

// A job as a status query sees it.
struct JobStatus {
  std::string id;
  JobState state = JobState::kQueued;
  int32_t tests_done = 0;     // Tests that ran (so far).
  int32_t tests_total = 0;
  int32_t tests_skipped = 0;  // Set at the end: tests that did not run (see JobBook::finish).
  std::optional<JobOutcome> result;  // Set once a worker has judged the job.
  std::string failed_reason;
  int32_t attempts = 0;
  std::string language;
  Priority priority = Priority::kNormal;
  int64_t created_at_ms = 0;
  int64_t started_at_ms = 0;  // 0 until the first attempt starts.
  int64_t finished_at_ms = 0;
  std::string owner;  // The spec's owner, so that status queries can check it.
  WebhookStatus webhook;
  // The job's way through the cluster, oldest first; persisted with the status, so it survives
  // a failover with the job. Left out of events (JobEvent) to keep them small.
  std::vector<JobHop> timeline;
};

// The memory a status or spec holds, approximately: the sizes of its strings plus its fixed
// part. What the retention of finished jobs (JOB_RETENTION_BYTES) counts.
size_t approximate_bytes(const JobStatus& status);
size_t approximate_bytes(const JobSpec& spec);

// One step of a job's life, as the events stream shows it: a state change (`test` unset) or a
// finished test case (`test` set).
struct JobEvent {
  JobStatus status;  // Without `result` for test events, to keep the stream small.
  std::optional<TestOutcome> test;
};

// Which jobs a listing asks for, newest first. A page starts after the job (`after_created_ms`,
// `after_id`) of the previous page's last item (empty `after_id`: at the newest job).
struct JobQuery {
  bool any_owner = false;  // False: only the jobs of `owner`.
  std::string owner;
  std::string state;     // A state name, or empty: any state.
  std::string language;  // Empty: any language.
  int64_t after_created_ms = 0;
  std::string after_id;
  int32_t limit = 20;
};

// One page of a listing: summaries (statuses whose result keeps the verdict and counts but no
// test outputs), and whether older matching jobs follow the last one.
struct JobPage {
  std::vector<JobStatus> jobs;
  bool more = false;
};

// Why a submission was refused (kNone: it was not).
enum class SubmitRefusal : uint8_t { kNone, kQueueFull, kShuttingDown, kNoLeader };

// The API's error code: "queue_full", "shutting_down", "no_leader"; "" for kNone.
const char* refusal_code(SubmitRefusal refusal);

// The answer to a submission.
struct SubmitReply {
  std::string job_id;  // Empty when refused.
  SubmitRefusal refusal = SubmitRefusal::kNone;
  std::string error_message;
  int32_t retry_after_s = 0;
};

enum class CancelResult : uint8_t { kCancelled, kNotFound, kAlreadyFinished };

struct CancelReply {
  CancelResult result = CancelResult::kNotFound;
  JobStatus status;  // The job after the cancel (or as it finished).
};

// A node of the cluster as it introduces itself to the leader. `roles` is a subset of
// "api", "scheduler", "worker"; `address` is its cluster (remoting) address, host:port, empty
// in the embedded mode; `slots` is its sandbox slot count (0 without the worker role);
// `languages` the ids of the languages its sandboxes run (WORKER_LANGUAGES; empty without the
// worker role): the leader dispatches it only jobs of these.
struct NodeInfo {
  std::string id;
  std::vector<std::string> roles;
  std::string address;
  int32_t slots = 0;
  std::vector<std::string> languages;
};

// One attempt a worker is running (or has finished but not yet had acknowledged).
struct RunningAttempt {
  std::string job_id;
  int32_t attempt = 0;
};

// A node as the leader sees it, for /api/stats and /metrics.
struct NodeStats {
  NodeInfo info;
  int32_t busy = 0;       // Slots running an attempt.
  bool draining = false;  // Leaving: no new jobs are dispatched to it.
  bool leader = false;
  int64_t last_seen_ms = 0;
};

// One actor of a node as it describes itself (`codearena inspect actors`): its name and type,
// the messages in its mailbox, the messages it has handled (-1: not counted), milliseconds since
// it last handled one (-1: unknown), the time it spent handling them (microseconds; -1: not
// counted) and a one-line state. Inspection requests count in none of these.
struct ActorReport {
  std::string name;
  std::string type;
  int64_t mailbox = 0;
  int64_t handled = -1;
  int64_t idle_ms = -1;
  int64_t busy_us = -1;
  std::string state;
};

// What a node tells about itself (the rest comes from the leader's NodeStats): its version, the
// languages it runs (empty without the worker role), when it started, how long the leader lease
// it holds still lasts (-1: it holds none) and its actors.
struct NodeReport {
  std::string id;
  std::string version;
  std::vector<std::string> languages;
  int64_t started_at_ms = 0;
  int64_t lease_left_ms = -1;
  std::vector<ActorReport> actors;
};

// A job as the job store keeps it: its latest status (`status.id` names the job) and its spec.
// The spec is written once, with the job's first record; later transitions leave it out
// (nullopt) and the stored one stays.
struct StoredJob {
  JobStatus status;
  std::optional<JobSpec> spec;
};

// Counters and figures of the scheduler, for /api/stats and /metrics.
struct SchedulerStats {
  std::vector<int64_t> queued_by_priority = std::vector<int64_t>(kPriorityCount, 0);
  // The same jobs by language, then priority; languages with no queued job are left out.
  std::map<std::string, std::vector<int64_t>> queued_by_language;
  int64_t retry_waiting = 0;  // Jobs waiting out a retry backoff.
  int64_t active = 0;
  int64_t slots_total = 0;
  int64_t slots_busy = 0;
  int64_t workers = 0;
  int64_t completed = 0;
  int64_t failed = 0;
  int64_t cancelled = 0;
  int64_t submitted = 0;
  int64_t retained = 0;        // Jobs the scheduler holds, finished ones included.
  int64_t retained_bytes = 0;  // What the finished ones among them hold, approximately.
  int64_t listeners = 0;       // Event streams the scheduler feeds.
  double jobs_per_second_last_minute = 0;
  // Submit-to-finish latency of recent finished jobs, milliseconds.
  int64_t latency_p50_ms = 0;
  int64_t latency_p90_ms = 0;
  int64_t latency_p99_ms = 0;
  int64_t latency_samples = 0;
  bool accepting = true;
  // The cluster: the leading node's id, its lease epoch and every node that has joined.
  std::string leader;
  int64_t epoch = 0;
  std::vector<NodeStats> nodes;
  // Nodes the leader dropped without their leaving first (silent longer than the node
  // timeout, or their connection gone), counted since its scheduler was spawned.
  int64_t nodes_lost = 0;
};

}  // namespace codearena::actors
