// The scheduler's state machine, message by message: leadership and terms, fencing and store
// failures, dispatch by credit and priority, retries with backoff, cancel, handover, drain, lost
// nodes and failover claims. The store and the workers are the test's (tests/actors/fakes.h).
#include <catch2/catch.hpp>

#include "actors/scheduler.h"
#include "actors/status_board.h"
#include "cluster/memory_job_store.h"
#include "cluster/store_actor.h"
#include "tests/actors/actor_fixture.h"
#include "tests/actors/fakes.h"

using namespace codearena::actors;
using namespace codearena::actors::testing;
using namespace std::chrono_literals;
using Answer = StoreScript::Answer;
using Kind = AttemptReport::Kind;

namespace {

const std::vector<std::string> kAllLanguages = {"python", "javascript", "c", "cpp", "java"};

JobSpec job(Priority priority = Priority::kNormal, const std::string& language = "python") {
  JobSpec spec;
  spec.language = language;
  spec.code = "print(1)";
  spec.priority = priority;
  return spec;
}

AttemptReport report_of(const std::string& id, int32_t attempt, Kind kind) {
  AttemptReport report{id, attempt, kind, {}, {}};
  if (kind == Kind::kJudged) report.outcome.verdict = Verdict::kAccepted;
  if (kind == Kind::kInternalError) report.message = "the box keeper died";
  return report;
}

class SchedulerFixture : public ActorFixture {
 public:
  SchedulerFixture() { policy.retry_base_ms = 1000; }

  // A scheduler on the scripted store (store_is_shared: unknown jobs are looked up there).
  void start(bool store_is_shared = false) {
    scripted_store = keep(spawn_scripted_store(system, script));
    spawn_with(scripted_store, store_is_shared);
  }

  // A scheduler on a memory job store the test can read and seed.
  void start_on_memory_store() {
    auto owned = std::make_unique<codearena::cluster::MemoryJobStore>(0ms);
    memory = owned.get();
    codearena::cluster::StoreActorConfig store_config;
    store_config.blocking = false;
    store = keep(codearena::cluster::spawn_store_actor(system, std::move(owned), store_config));
    spawn_with(store, true);
  }

  // The scripted store answers the writes it holds (a transition and the effects waiting for
  // it may be in separate writes: the scheduler keeps several in flight).
  void answer_held_writes(Answer how) {
    REQUIRE_FALSE(script->held.empty());
    script->answers.assign(script->held.size(), how);
    caf::anon_send(scripted_store, local_v<tick_atom>);
    run();
  }

  void lead(int64_t epoch = 1) {
    caf::anon_send(scheduler, local_v<lead_atom>, epoch);
    run();
  }
  void follow() {
    caf::anon_send(scheduler, local_v<follow_atom>);
    run();
  }

  // A worker node with `slots` slots joins; returns what the leader tells it.
  std::shared_ptr<WorkerLog> join_worker(const std::string& id, int32_t slots,
                                         std::vector<RunningAttempt> running = {},
                                         std::vector<std::string> languages = kAllLanguages) {
    auto log = std::make_shared<WorkerLog>();
    const auto worker = keep(spawn_recording_worker(system, log));
    workers[id] = worker;
    ask<int64_t>(scheduler, join_atom::value,
                 NodeInfo{id, {"worker"}, "", slots, std::move(languages)}, worker,
                 std::move(running));
    return log;
  }

  std::string submit(const std::string& id, Priority priority = Priority::kNormal,
                     const std::string& language = "python") {
    const auto reply =
        ask<SubmitReply>(scheduler, submit_atom::value, id, job(priority, language));
    REQUIRE(reply.refusal == SubmitRefusal::kNone);
    return reply.job_id;
  }

  bool report(const std::string& id, int32_t attempt, Kind kind) {
    return ask<bool>(scheduler, report_atom::value, report_of(id, attempt, kind));
  }

  JobStatus status(const std::string& id) {
    return ask<JobStatus>(scheduler, status_atom::value, id);
  }

  // The error the scheduler answers stats with, or nullopt when it answers (leads).
  std::optional<caf::error> refusal() {
    const auto reply = request<SchedulerStats>(scheduler, stats_atom::value);
    run();
    REQUIRE(reply->arrived());
    return reply->error;
  }
  bool refuses_as_not_leading() {
    const auto error = refusal();
    return error && is_not_leading(*error);
  }

  SchedulerPolicy policy;
  StatusBoard board;
  std::shared_ptr<StoreScript> script = std::make_shared<StoreScript>();
  codearena::cluster::MemoryJobStore* memory = nullptr;
  scripted_store_actor scripted_store;
  store_actor store;
  local_scheduler_actor scheduler;
  std::map<std::string, worker_actor> workers;
  int64_t node_timeout_ms = 60'000;
  int64_t claim_window_ms = 5'000;
  int64_t no_worker_timeout_ms = 60'000;

 private:
  void spawn_with(const store_actor& job_store, bool store_is_shared) {
    SchedulerConfig settings;
    settings.policy = policy;
    settings.board = &board;
    settings.store = job_store;
    settings.store_is_shared = store_is_shared;
    settings.node_id = "leader";
    settings.node_timeout_ms = node_timeout_ms;
    settings.claim_window_ms = claim_window_ms;
    settings.no_worker_timeout_ms = no_worker_timeout_ms;
    settings.clock = clock();
    scheduler = keep(spawn_scheduler(system, std::move(settings)));
    run();
  }
};

}  // namespace

TEST_CASE_METHOD(SchedulerFixture, "a scheduler refuses requests until it leads", "[scheduler]") {
  start();
  const auto refused = ask<SubmitReply>(scheduler, submit_atom::value, "job-1", job());
  CHECK(refused.refusal == SubmitRefusal::kNoLeader);
  CHECK(refuses_as_not_leading());

  lead(7);
  const auto stats = ask<SchedulerStats>(scheduler, stats_atom::value);
  CHECK(stats.epoch == 7);
  CHECK(stats.accepting);
  CHECK(submit("job-1") == "job-1");
}

TEST_CASE_METHOD(SchedulerFixture, "a new leader takes over the store's unfinished jobs",
                 "[scheduler]") {
  start_on_memory_store();
  JobStatus queued;
  queued.id = "old-job";
  queued.state = JobState::kQueued;
  queued.language = "python";
  queued.created_at_ms = now_ms();
  memory->write(1, {{queued, job()}});

  lead(2);
  CHECK(status("old-job").state == JobState::kQueued);
  const auto log = join_worker("worker-1", 1);
  REQUIRE(log->runs.size() == 1);
  CHECK(log->runs[0].job_id == "old-job");
  CHECK(log->runs[0].attempt == 1);
}

TEST_CASE_METHOD(SchedulerFixture, "a load that fails leaves the scheduler standing by",
                 "[scheduler]") {
  script->load_fails = true;
  start();
  lead();
  CHECK(refuses_as_not_leading());
  // The membership repeats lead every period: once the store answers, it leads.
  script->load_fails = false;
  lead();
  CHECK_FALSE(refusal());
}

TEST_CASE_METHOD(SchedulerFixture, "follow forgets what the leader held, and the next lead reloads",
                 "[scheduler]") {
  start_on_memory_store();
  lead(1);
  submit("job-1");
  follow();
  CHECK(refuses_as_not_leading());
  CHECK(ask<SubmitReply>(scheduler, submit_atom::value, "job-2", job()).refusal ==
        SubmitRefusal::kNoLeader);

  lead(2);
  CHECK(status("job-1").state == JobState::kQueued);
  CHECK(status("job-2").id.empty());
}

TEST_CASE_METHOD(SchedulerFixture, "a submission is acknowledged only once it is written",
                 "[scheduler]") {
  script->hold_writes = true;
  start();
  lead();
  const auto reply = request<SubmitReply>(scheduler, submit_atom::value, "job-1", job());
  run();
  CHECK_FALSE(reply->arrived());
  CHECK_FALSE(board.find("job-1"));
  answer_held_writes(Answer::kWritten);
  run();
  REQUIRE(reply->answer);
  CHECK(reply->answer->job_id == "job-1");
  CHECK(board.find("job-1"));
  REQUIRE_FALSE(script->batches.empty());
  REQUIRE(script->batches[0].size() == 1);
  CHECK(script->batches[0][0].status.id == "job-1");
  CHECK(script->batches[0][0].spec);
}

// Another API node asks the leader for a job's status: it must read what the leader's own API
// reads, the status written to the store, not a finished attempt whose write is still pending
// (the two API nodes disagreed, and a next leader would not know the result).
TEST_CASE_METHOD(SchedulerFixture, "a status read through the leader is the written one the board shows",
                 "[scheduler]") {
  start();
  lead();
  join_worker("worker-1", 1);
  submit("job-1");
  REQUIRE(status("job-1").state == JobState::kActive);
  script->hold_writes = true;
  const auto reported = request<bool>(scheduler, report_atom::value,
                                      report_of("job-1", 1, Kind::kJudged));
  run();
  CHECK_FALSE(reported->arrived());
  CHECK(status("job-1").state == JobState::kActive);
  CHECK(board.find("job-1")->state == JobState::kActive);
  answer_held_writes(Answer::kWritten);
  run();
  CHECK(reported->answer);
  CHECK(status("job-1").state == JobState::kCompleted);
  CHECK(board.find("job-1")->state == JobState::kCompleted);
}

TEST_CASE_METHOD(SchedulerFixture, "a write answered after a step down belongs to an old term",
                 "[scheduler]") {
  script->hold_writes = true;
  start();
  lead(1);
  const auto reply = request<SubmitReply>(scheduler, submit_atom::value, "job-1", job());
  run();
  follow();
  answer_held_writes(Answer::kWritten);
  run();
  // Dropped: the lease is gone, so nothing of the old term is acknowledged or published.
  CHECK_FALSE(reply->arrived());
  CHECK_FALSE(board.find("job-1"));
}

TEST_CASE_METHOD(SchedulerFixture, "a fenced write makes the leader step down", "[scheduler]") {
  script->write_answer = Answer::kFenced;
  start();
  lead();
  const auto reply = request<SubmitReply>(scheduler, submit_atom::value, "job-1", job());
  run();
  CHECK_FALSE(reply->arrived());
  CHECK(refuses_as_not_leading());
}

TEST_CASE_METHOD(SchedulerFixture, "a store unreachable for its patience makes the leader stand by",
                 "[scheduler]") {
  script->write_answer = Answer::kUnreachable;
  start();
  lead();
  request<SubmitReply>(scheduler, submit_atom::value, "job-1", job());
  run();
  CHECK(refuses_as_not_leading());
  // The lease is still this node's: the membership's next lead starts over from the store.
  script->write_answer = Answer::kWritten;
  lead();
  CHECK_FALSE(refusal());
}

TEST_CASE_METHOD(SchedulerFixture, "jobs go only to free slots, highest priority first",
                 "[scheduler]") {
  start();
  lead();
  const auto log = join_worker("worker-1", 1);
  submit("first");
  submit("low", Priority::kLow);
  submit("normal", Priority::kNormal);
  submit("high", Priority::kHigh);
  REQUIRE(log->runs.size() == 1);
  CHECK(log->runs[0].job_id == "first");

  std::vector<std::string> order;
  for (const std::string finished : {"first", "high", "normal"}) {
    CHECK(report(finished, 1, Kind::kJudged));
    order.push_back(log->runs.back().job_id);
  }
  CHECK(order == std::vector<std::string>{"high", "normal", "low"});
  CHECK(status("first").state == JobState::kCompleted);
  const auto stats = ask<SchedulerStats>(scheduler, stats_atom::value);
  CHECK(stats.slots_total == 1);
  CHECK(stats.slots_busy == 1);
}

TEST_CASE_METHOD(SchedulerFixture, "an idle worker's free slots run one job's tests side by side",
                 "[scheduler]") {
  start();
  lead();
  const auto log = join_worker("worker-1", 4);
  auto spec = job();
  spec.tests.resize(3);
  ask<SubmitReply>(scheduler, submit_atom::value, "three-tests", spec);
  REQUIRE(log->runs.size() == 1);
  CHECK(log->runs[0].parallel == 3);
}

TEST_CASE_METHOD(SchedulerFixture, "an internal error is retried after its backoff, then fails",
                 "[scheduler]") {
  policy.max_attempts = 2;
  start();
  lead();
  const auto log = join_worker("worker-1", 1);
  submit("job-1");
  report("job-1", 1, Kind::kInternalError);
  CHECK(status("job-1").state == JobState::kQueued);
  CHECK(ask<SchedulerStats>(scheduler, stats_atom::value).retry_waiting == 1);

  // The first backoff lies between half the base (500 ms) and the base (1000 ms).
  advance(400ms);
  CHECK(log->runs.size() == 1);
  advance(700ms);
  REQUIRE(log->runs.size() == 2);
  CHECK(log->runs[1].attempt == 2);

  report("job-1", 2, Kind::kInternalError);
  const auto failed = status("job-1");
  CHECK(failed.state == JobState::kFailed);
  CHECK(failed.attempts == 2);
}

TEST_CASE_METHOD(SchedulerFixture, "a stale attempt's report is acknowledged and dropped",
                 "[scheduler]") {
  start();
  lead();
  join_worker("worker-1", 1);
  submit("job-1");
  report("job-1", 1, Kind::kJudged);
  const auto batches = script->batches.size();
  CHECK(report("job-1", 1, Kind::kInternalError));
  CHECK(status("job-1").state == JobState::kCompleted);
  CHECK(script->batches.size() == batches);
}

TEST_CASE_METHOD(SchedulerFixture, "cancel in every state of a job", "[scheduler]") {
  start();
  lead();
  const auto log = join_worker("worker-1", 1);
  submit("running");
  submit("queued");

  SECTION("queued: cancelled, never run") {
    const auto reply = ask<CancelReply>(scheduler, cancel_atom::value, "queued");
    CHECK(reply.result == CancelResult::kCancelled);
    report("running", 1, Kind::kJudged);
    CHECK(log->runs.size() == 1);
    CHECK(status("queued").state == JobState::kCancelled);
  }
  SECTION("running: the worker stops it and its slot takes the next job") {
    const auto reply = ask<CancelReply>(scheduler, cancel_atom::value, "running");
    CHECK(reply.result == CancelResult::kCancelled);
    CHECK(log->cancels == std::vector<std::pair<std::string, int32_t>>{{"running", 1}});
    REQUIRE(log->runs.size() == 2);
    CHECK(log->runs[1].job_id == "queued");
    // The cancelled attempt's own report changes nothing.
    report("running", 1, Kind::kCancelled);
    CHECK(status("running").state == JobState::kCancelled);
  }
  SECTION("finished: already finished") {
    report("running", 1, Kind::kJudged);
    CHECK(ask<CancelReply>(scheduler, cancel_atom::value, "running").result ==
          CancelResult::kAlreadyFinished);
  }
  SECTION("unknown: not found") {
    CHECK(ask<CancelReply>(scheduler, cancel_atom::value, "nobody").result ==
          CancelResult::kNotFound);
  }
  SECTION("while not leading: refused") {
    follow();
    const auto reply = request<CancelReply>(scheduler, cancel_atom::value, "queued");
    run();
    REQUIRE(reply->error);
    CHECK(is_not_leading(*reply->error));
  }
}

TEST_CASE_METHOD(SchedulerFixture,
                 "handover writes what is pending, answers, and never leads again", "[scheduler]") {
  script->hold_writes = true;
  start();
  lead();
  const auto submitted = request<SubmitReply>(scheduler, submit_atom::value, "job-1", job());
  run();
  const auto handed_over = request<bool>(scheduler, local_v<handover_atom>);
  run();
  CHECK_FALSE(handed_over->arrived());
  CHECK(refuses_as_not_leading());

  answer_held_writes(Answer::kWritten);
  run();
  CHECK(submitted->answer);
  REQUIRE(handed_over->answer);
  CHECK(*handed_over->answer);

  lead(2);
  CHECK(refuses_as_not_leading());
  CHECK(ask<SubmitReply>(scheduler, submit_atom::value, "job-2", job()).refusal ==
        SubmitRefusal::kShuttingDown);
}

TEST_CASE_METHOD(SchedulerFixture, "handover of a scheduler that does not lead answers at once",
                 "[scheduler]") {
  start();
  CHECK(ask<bool>(scheduler, local_v<handover_atom>));
  lead();
  CHECK(refuses_as_not_leading());
}

TEST_CASE_METHOD(SchedulerFixture,
                 "drain fails waiting jobs, waits for running ones, answers with the failed",
                 "[scheduler]") {
  start();
  lead();
  const auto log = join_worker("worker-1", 1);
  submit("running");
  submit("waiting");
  const auto drained = request<int64_t>(scheduler, local_v<drain_atom>, int64_t{10'000});
  run();
  CHECK_FALSE(drained->arrived());
  CHECK(status("waiting").state == JobState::kFailed);
  CHECK(ask<SubmitReply>(scheduler, submit_atom::value, "late", job()).refusal ==
        SubmitRefusal::kShuttingDown);
  CHECK_FALSE(ask<SchedulerStats>(scheduler, stats_atom::value).accepting);

  report("running", 1, Kind::kJudged);
  REQUIRE(drained->answer);
  CHECK(*drained->answer == 1);
  CHECK(status("running").state == JobState::kCompleted);
  CHECK(log->runs.size() == 1);
}

TEST_CASE_METHOD(SchedulerFixture, "drain fails what still runs when the grace time ends",
                 "[scheduler]") {
  start();
  lead();
  const auto log = join_worker("worker-1", 1);
  submit("running");
  const auto drained = request<int64_t>(scheduler, local_v<drain_atom>, int64_t{1000});
  advance(900ms);
  CHECK_FALSE(drained->arrived());
  advance(200ms);
  REQUIRE(drained->answer);
  CHECK(*drained->answer == 1);
  CHECK(log->cancels == std::vector<std::pair<std::string, int32_t>>{{"running", 1}});
  CHECK(status("running").state == JobState::kFailed);
}

TEST_CASE_METHOD(SchedulerFixture, "a job that fails its attempt during a drain is not retried",
                 "[scheduler]") {
  start();
  lead();
  join_worker("worker-1", 1);
  submit("running");
  const auto drained = request<int64_t>(scheduler, local_v<drain_atom>, int64_t{10'000});
  run();
  report("running", 1, Kind::kInternalError);
  REQUIRE(drained->answer);
  CHECK(*drained->answer == 1);
  CHECK(status("running").state == JobState::kFailed);
}

TEST_CASE_METHOD(SchedulerFixture, "a worker silent for the node timeout is lost", "[scheduler]") {
  node_timeout_ms = 1000;
  start();
  lead();
  join_worker("worker-1", 1);
  submit("job-1");
  advance(500ms);
  CHECK(ask<bool>(scheduler, heartbeat_atom::value, std::string{"worker-1"}));
  advance(800ms);
  CHECK(status("job-1").state == JobState::kActive);  // 800 ms since the heartbeat.
  advance(300ms);
  const auto lost = status("job-1");
  CHECK(lost.state == JobState::kQueued);  // Requeued after a backoff.
  CHECK(lost.attempts == 1);
  CHECK_FALSE(ask<bool>(scheduler, heartbeat_atom::value, std::string{"worker-1"}));
}

TEST_CASE_METHOD(SchedulerFixture, "a worker that goes down is lost at once", "[scheduler]") {
  start();
  lead();
  const auto first = join_worker("worker-1", 1);
  submit("job-1");
  caf::anon_send_exit(workers["worker-1"], caf::exit_reason::kill);
  run();
  CHECK(status("job-1").state == JobState::kQueued);
  const auto second = join_worker("worker-2", 1);
  advance(1100ms);  // The backoff of the lost attempt.
  REQUIRE(second->runs.size() == 1);
  CHECK(second->runs[0].attempt == 2);
}

TEST_CASE_METHOD(SchedulerFixture, "a leaving worker gets nothing new", "[scheduler]") {
  start();
  lead();
  const auto log = join_worker("worker-1", 2);
  CHECK(ask<bool>(scheduler, leave_atom::value, std::string{"worker-1"}));
  submit("job-1");
  CHECK(log->runs.empty());
  CHECK(status("job-1").state == JobState::kQueued);
}

TEST_CASE_METHOD(SchedulerFixture,
                 "after a failover workers claim their attempts, and unclaimed ones are requeued",
                 "[scheduler]") {
  start_on_memory_store();
  for (const std::string id : {"claimed", "orphaned"}) {
    JobStatus active;
    active.id = id;
    active.state = JobState::kActive;
    active.attempts = 1;
    active.created_at_ms = now_ms();
    memory->write(1, {{active, job()}});
  }
  lead(2);
  const auto log = join_worker("worker-1", 2, {{"claimed", 1}});
  CHECK(log->runs.empty());
  CHECK(status("orphaned").state == JobState::kActive);

  advance(std::chrono::milliseconds(claim_window_ms + 100));
  CHECK(status("claimed").state == JobState::kActive);
  CHECK(status("orphaned").state == JobState::kQueued);
  CHECK(report("claimed", 1, Kind::kJudged));
  CHECK(status("claimed").state == JobState::kCompleted);
}

TEST_CASE_METHOD(SchedulerFixture, "a rejoining worker's requeued attempts are cancelled on it",
                 "[scheduler]") {
  start();
  lead();
  join_worker("worker-1", 1);
  submit("job-1");
  // The worker restarted without the attempt: it is requeued.
  const auto log = join_worker("worker-1", 1, {});
  CHECK(status("job-1").state == JobState::kQueued);
  // A worker that claims an attempt the leader no longer runs on it is told to stop it.
  const auto other = join_worker("worker-2", 1, {{"job-1", 1}});
  CHECK(other->cancels == std::vector<std::pair<std::string, int32_t>>{{"job-1", 1}});
  CHECK(log->runs.empty());
}

TEST_CASE_METHOD(SchedulerFixture, "listeners get every event up to the final one", "[scheduler]") {
  start();
  lead();
  join_worker("worker-1", 1);
  submit("job-1");
  auto events = std::make_shared<std::vector<JobEvent>>();
  const auto listener = keep(spawn_recording_listener(system, events));
  CHECK(ask<JobStatus>(scheduler, watch_atom::value, std::string{"job-1"}, listener).state ==
        JobState::kActive);
  TestOutcome test;
  test.verdict = Verdict::kAccepted;
  caf::anon_send(scheduler, progress_atom::value, std::string{"job-1"}, int32_t{1}, test);
  run();
  report("job-1", 1, Kind::kJudged);
  REQUIRE(events->size() == 2);
  CHECK((*events)[0].test);
  CHECK((*events)[1].status.state == JobState::kCompleted);
}

TEST_CASE_METHOD(SchedulerFixture, "a worker gets only jobs of the languages it offers",
                 "[scheduler][languages]") {
  start();
  lead();
  const auto python_only = join_worker("python-worker", 4, {}, {"python"});
  submit("java-1", Priority::kHigh, "java");
  submit("python-1", Priority::kNormal, "python");
  submit("java-2", Priority::kHigh, "java");
  submit("python-2", Priority::kLow, "python");
  // The java jobs ahead in the queue do not hold the python ones back.
  REQUIRE(python_only->runs.size() == 2);
  CHECK(python_only->runs[0].job_id == "python-1");
  CHECK(python_only->runs[1].job_id == "python-2");
  CHECK(status("java-1").state == JobState::kQueued);

  const auto java = join_worker("java-worker", 1, {}, {"java"});
  REQUIRE(java->runs.size() == 1);
  CHECK(java->runs[0].job_id == "java-1");
  CHECK(report("java-1", 1, Kind::kJudged));
  REQUIRE(java->runs.size() == 2);
  CHECK(java->runs[1].job_id == "java-2");
  CHECK(python_only->runs.size() == 2);
}

TEST_CASE_METHOD(SchedulerFixture,
                 "a job whose language no worker offers fails after the no-worker timeout, "
                 "while other jobs keep running",
                 "[scheduler][languages]") {
  no_worker_timeout_ms = 2000;
  start();
  lead();
  const auto python_only = join_worker("python-worker", 1, {}, {"python"});
  submit("java-1", Priority::kHigh, "java");
  submit("python-1");
  advance(1000ms);
  submit("python-2");
  CHECK(report("python-1", 1, Kind::kJudged));
  REQUIRE(python_only->runs.size() == 2);
  CHECK(python_only->runs[1].job_id == "python-2");
  CHECK(status("java-1").state == JobState::kQueued);

  advance(1500ms);
  const auto failed = status("java-1");
  CHECK(failed.state == JobState::kFailed);
  CHECK(failed.attempts == 0);
  CHECK(failed.failed_reason.rfind("no worker offers language java", 0) == 0);
  CHECK(status("python-2").state == JobState::kActive);
}

TEST_CASE_METHOD(SchedulerFixture,
                 "the no-worker timeout counts from when the last worker offering the language "
                 "was lost",
                 "[scheduler][languages]") {
  no_worker_timeout_ms = 2000;
  start();
  lead();
  join_worker("java-worker", 1, {}, {"java"});
  submit("java-1", Priority::kNormal, "java");
  submit("java-2", Priority::kNormal, "java");
  advance(3000ms);  // java-2 waits for the busy slot: a worker offers java.
  CHECK(status("java-2").state == JobState::kQueued);

  caf::anon_send_exit(workers["java-worker"], caf::exit_reason::kill);
  run();
  advance(1500ms);
  CHECK(status("java-2").state == JobState::kQueued);
  const auto stats = ask<SchedulerStats>(scheduler, stats_atom::value);
  CHECK(stats.nodes.empty());

  const auto java = join_worker("java-worker-2", 1, {}, {"java"});
  CHECK(java->runs.size() == 1);
  CHECK(status("java-2").state != JobState::kFailed);
}

TEST_CASE_METHOD(SchedulerFixture, "a draining worker no longer offers its languages",
                 "[scheduler][languages]") {
  no_worker_timeout_ms = 1000;
  start();
  lead();
  join_worker("java-worker", 1, {}, {"java"});
  CHECK(ask<bool>(scheduler, leave_atom::value, std::string{"java-worker"}));
  submit("java-1", Priority::kNormal, "java");
  advance(1500ms);
  CHECK(status("java-1").state == JobState::kFailed);
}

TEST_CASE_METHOD(SchedulerFixture, "every hop on a worker names the worker and the slot",
                 "[scheduler][timeline]") {
  start();
  lead();
  const auto log = join_worker("worker-2", 2);
  auto spec = job();
  spec.tests.resize(2);
  ask<SubmitReply>(scheduler, submit_atom::value, "timed", spec);
  REQUIRE(log->runs.size() == 1);
  const int64_t dispatched_ms = now_ms();

  advance(5ms);
  caf::anon_send(scheduler, run_atom::value, std::string{"timed"}, int32_t{1}, int32_t{1});
  run();
  TestOutcome test;
  test.verdict = Verdict::kAccepted;
  test.wall_ms = 12;
  for (int32_t index = 0; index < 2; ++index) {
    advance(20ms);
    test.index = index;
    caf::anon_send(scheduler, progress_atom::value, std::string{"timed"}, int32_t{1}, test);
    run();
  }
  advance(7ms);
  auto finished = report_of("timed", 1, Kind::kJudged);
  finished.slot = 1;
  finished.outcome.compile_ms = 300;
  REQUIRE(ask<bool>(scheduler, report_atom::value, finished));

  std::vector<JobHop> on_worker;
  for (const auto& hop : status("timed").timeline) {
    if (hop.node == "worker-2") on_worker.push_back(hop);
  }
  REQUIRE(on_worker.size() == 5);
  CHECK(on_worker[0].event == "dispatched");
  CHECK(on_worker[0].at_ms == dispatched_ms);
  CHECK(on_worker[1].event == "started");
  CHECK(on_worker[1].detail == "slot 2 of 2");
  CHECK(on_worker[1].at_ms == dispatched_ms + 5);
  CHECK(on_worker[2].event == "test");
  CHECK(on_worker[2].detail == "#1 AC, 12 ms wall, slot 2 of 2");
  CHECK(on_worker[2].at_ms == dispatched_ms + 25);
  CHECK(on_worker[3].detail == "#2 AC, 12 ms wall, slot 2 of 2");
  CHECK(on_worker[3].at_ms == dispatched_ms + 45);
  CHECK(on_worker[4].event == "reported");
  CHECK(on_worker[4].detail == "judged AC, compiled in 300 ms, slot 2 of 2");
  CHECK(on_worker[4].at_ms == dispatched_ms + 52);
}

TEST_CASE_METHOD(SchedulerFixture,
                 "a test hop that comes before the worker's start names no slot",
                 "[scheduler][timeline]") {
  start();
  lead();
  join_worker("worker-1", 1);
  submit("early");
  TestOutcome test;
  test.verdict = Verdict::kAccepted;
  caf::anon_send(scheduler, progress_atom::value, std::string{"early"}, int32_t{1}, test);
  run();
  const auto timeline = status("early").timeline;
  REQUIRE_FALSE(timeline.empty());
  CHECK(timeline.back().event == "test");
  CHECK(timeline.back().node == "worker-1");
  CHECK(timeline.back().detail == "#1 AC, 0 ms wall");
}
