#include <catch2/catch.hpp>

#include "actors/job_book.h"
#include "actors/status_board.h"

using namespace codearena::actors;

namespace {

JobSpec spec_with(Priority priority, size_t tests = 0) {
  JobSpec spec;
  spec.language = "python";
  spec.code = "print(1)";
  spec.priority = priority;
  spec.tests.resize(tests);
  return spec;
}

std::string start(JobBook& book, int64_t now = 1000) {
  auto started = book.start_next("worker-1", now);
  REQUIRE(started);
  return started->first->status->id;
}

AttemptReport report(const std::string& id, int32_t attempt, AttemptReport::Kind kind) {
  AttemptReport r;
  r.job_id = id;
  r.attempt = attempt;
  r.kind = kind;
  r.outcome.verdict = Verdict::kAccepted;
  r.message = "keeper died";
  return r;
}

}  // namespace

TEST_CASE("jobs start high before normal before low, first come first served within", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("low-1", spec_with(Priority::kLow), 1);
  book.add("normal-1", spec_with(Priority::kNormal), 2);
  book.add("high-1", spec_with(Priority::kHigh), 3);
  book.add("normal-2", spec_with(Priority::kNormal), 4);
  book.add("high-2", spec_with(Priority::kHigh), 5);
  std::vector<std::string> order;
  while (auto started = book.start_next("w", 10)) order.push_back(started->first->status->id);
  CHECK(order == std::vector<std::string>{"high-1", "high-2", "normal-1", "normal-2", "low-1"});
  CHECK(book.active() == 5);
}

TEST_CASE("a full queue refuses with queue_full and a retry hint", "[jobs]") {
  SchedulerPolicy policy;
  policy.queue_max_depth = 2;
  JobBook book(policy);
  CHECK(book.add("a", spec_with(Priority::kNormal), 1).refusal == SubmitRefusal::kNone);
  CHECK(book.add("b", spec_with(Priority::kLow), 1).refusal == SubmitRefusal::kNone);
  const auto refused = book.add("c", spec_with(Priority::kHigh), 1);
  CHECK(refused.refusal == SubmitRefusal::kQueueFull);
  CHECK(refused.job_id.empty());
  CHECK(refused.retry_after_s > 0);
  CHECK(book.find("c") == nullptr);
  start(book);  // Running jobs do not count against the queue.
  CHECK(book.add("c", spec_with(Priority::kHigh), 1).refusal == SubmitRefusal::kNone);
}

TEST_CASE("a judged attempt completes the job with its result", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("a", spec_with(Priority::kNormal, 3), 1000);
  start(book, 1100);
  TestOutcome test;
  test.verdict = Verdict::kAccepted;
  const auto progress = book.record_test("a", 1, test);
  REQUIRE(progress.size() == 1);
  CHECK(progress[0].test);
  CHECK(progress[0].status.tests_done == 1);
  CHECK(progress[0].status.tests_total == 3);
  const auto done = book.finish(report("a", 1, AttemptReport::Kind::kJudged), 1500);
  REQUIRE(done);
  CHECK(done->status.state == JobState::kCompleted);
  REQUIRE(done->status.result);
  CHECK(done->status.result->verdict == Verdict::kAccepted);
  CHECK(done->status.started_at_ms == 1100);
  CHECK(done->status.finished_at_ms == 1500);
  CHECK(book.active() == 0);
  CHECK(book.stats(1500).completed == 1);
}

TEST_CASE("internal errors are retried after a growing backoff, then fail with a reason",
          "[jobs]") {
  SchedulerPolicy policy;
  policy.max_attempts = 3;
  policy.retry_base_ms = 1000;
  JobBook book(policy, 42);
  book.add("a", spec_with(Priority::kNormal), 0);
  int64_t now = 0;
  for (int attempt = 1; attempt <= 2; ++attempt) {
    start(book, now);
    const auto event = book.finish(report("a", attempt, AttemptReport::Kind::kInternalError), now);
    REQUIRE(event);
    CHECK(event->status.state == JobState::kQueued);
    CHECK(event->status.attempts == attempt);
    const int64_t full = 1000LL << (attempt - 1);
    const auto due = book.next_retry_due();
    REQUIRE(due);
    CHECK(*due >= now + full / 2);
    CHECK(*due <= now + full);
    CHECK_FALSE(book.start_next("w", *due - 1));  // Not before its backoff ends.
    now = *due;
  }
  start(book, now);
  const auto failed = book.finish(report("a", 3, AttemptReport::Kind::kInternalError), now);
  REQUIRE(failed);
  CHECK(failed->status.state == JobState::kFailed);
  CHECK(failed->status.attempts == 3);
  CHECK(failed->status.failed_reason == "internal error after 3 attempts: keeper died");
}

TEST_CASE("the user's own failures and rejections are never retried", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("a", spec_with(Priority::kNormal), 0);
  book.add("b", spec_with(Priority::kNormal), 0);
  start(book);
  start(book);
  auto judged = report("a", 1, AttemptReport::Kind::kJudged);
  judged.outcome.verdict = Verdict::kRuntimeError;
  CHECK(book.finish(judged, 5)->status.state == JobState::kCompleted);
  auto rejected = report("b", 1, AttemptReport::Kind::kRejected);
  rejected.message = "unknown language 'cobol'";
  const auto event = book.finish(rejected, 5);
  CHECK(event->status.state == JobState::kFailed);
  CHECK(event->status.failed_reason == "unknown language 'cobol'");
  CHECK_FALSE(book.next_retry_due());
}

TEST_CASE("reports of stale attempts and unknown jobs change nothing", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("a", spec_with(Priority::kNormal), 0);
  start(book);
  CHECK_FALSE(book.finish(report("a", 2, AttemptReport::Kind::kJudged), 5));
  CHECK_FALSE(book.finish(report("nope", 1, AttemptReport::Kind::kJudged), 5));
  CHECK(book.record_test("a", 7, TestOutcome{}).empty());
  CHECK(book.find("a")->status->state == JobState::kActive);
}

TEST_CASE("cancel stops queued jobs at once and names the worker of running ones", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("queued", spec_with(Priority::kLow), 0);
  book.add("running", spec_with(Priority::kHigh), 0);
  start(book);
  std::string worker;
  auto reply = book.cancel("queued", 10, &worker);
  CHECK(reply.result == CancelResult::kCancelled);
  CHECK(reply.status.state == JobState::kCancelled);
  CHECK(worker.empty());
  CHECK(book.waiting() == 0);
  CHECK_FALSE(book.start_next("w", 10));
  reply = book.cancel("running", 10, &worker);
  CHECK(reply.result == CancelResult::kCancelled);
  CHECK(worker == "worker-1");
  CHECK(book.active() == 0);
  // The cancelled attempt's late report does not resurrect the job.
  CHECK_FALSE(book.finish(report("running", 1, AttemptReport::Kind::kJudged), 20));
  CHECK(book.cancel("running", 30, &worker).result == CancelResult::kAlreadyFinished);
  CHECK(book.cancel("unknown", 30, &worker).result == CancelResult::kNotFound);
}

TEST_CASE("a job cancelled during its retry backoff never runs again", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("a", spec_with(Priority::kNormal), 0);
  start(book, 0);
  book.finish(report("a", 1, AttemptReport::Kind::kInternalError), 0);
  std::string worker;
  CHECK(book.cancel("a", 1, &worker).result == CancelResult::kCancelled);
  CHECK_FALSE(book.next_retry_due());
  CHECK_FALSE(book.start_next("w", 1'000'000));
}

TEST_CASE("shutdown fails waiting and running jobs with the reason", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("running", spec_with(Priority::kNormal), 0);
  start(book);
  book.add("waiting", spec_with(Priority::kNormal), 0);
  const auto waiting = book.fail_waiting("shutting down", 5);
  REQUIRE(waiting.size() == 1);
  CHECK(waiting[0].status.id == "waiting");
  CHECK(waiting[0].status.failed_reason == "shutting down");
  const auto running = book.fail_running("grace ended", 6);
  REQUIRE(running.size() == 1);
  CHECK(running[0].first.status.state == JobState::kFailed);
  CHECK(running[0].second == "worker-1");
  CHECK(book.active() == 0);
}

TEST_CASE("finished jobs are forgotten after the retention time or beyond the bound", "[jobs]") {
  SchedulerPolicy policy;
  policy.retention_ms = 1000;
  policy.max_retained_finished = 2;
  JobBook book(policy);
  std::string worker;
  for (const char* id : {"a", "b", "c"}) {
    book.add(id, spec_with(Priority::kNormal), 0);
    book.cancel(id, 100, &worker);
  }
  book.add("live", spec_with(Priority::kNormal), 0);
  CHECK(book.expire(100) == std::vector<std::string>{"a"});  // Beyond the bound: oldest first.
  CHECK(book.find("a") == nullptr);
  CHECK(book.find("b") != nullptr);
  CHECK(book.expire(1100) == std::vector<std::string>{"b", "c"});
  CHECK(book.find("b") == nullptr);
  CHECK(book.find("c") == nullptr);
  CHECK(book.find("live") != nullptr);  // Unfinished jobs are never forgotten.
}

namespace {

// A judged report of one test whose stdout is `stdout_bytes` long.
AttemptReport judged_with_output(const std::string& id, size_t stdout_bytes) {
  AttemptReport judged = report(id, 1, AttemptReport::Kind::kJudged);
  TestOutcome test;
  test.verdict = Verdict::kAccepted;
  test.stdout_data = std::string(stdout_bytes, 'o');
  test.stderr_data = "warning\n";
  judged.outcome.tests.push_back(test);
  return judged;
}

// Adds, starts and finishes a job whose one test printed `stdout_bytes`.
void finish_with_output(JobBook& book, const std::string& id, size_t stdout_bytes, int64_t now) {
  book.add(id, spec_with(Priority::kNormal), now);
  REQUIRE(start(book, now) == id);
  REQUIRE(book.finish(judged_with_output(id, stdout_bytes), now));
}

}  // namespace

TEST_CASE("finished jobs beyond the byte bound are forgotten, oldest first", "[jobs][memory]") {
  SchedulerPolicy policy;
  policy.kept_output_bytes = 100'000;
  policy.retention_bytes = 250'000;  // Two jobs of about 100 kB, not three.
  JobBook book(policy);
  finish_with_output(book, "a", 100'000, 10);
  finish_with_output(book, "b", 100'000, 20);
  CHECK(book.retained_bytes() > 200'000);
  CHECK(book.expire(30).empty());
  finish_with_output(book, "c", 100'000, 40);
  book.add("live", spec_with(Priority::kNormal), 40);
  CHECK(book.retained_bytes() > 250'000);
  CHECK(book.expire(50) == std::vector<std::string>{"a"});
  CHECK(book.find("a") == nullptr);
  CHECK(book.find("b") != nullptr);
  CHECK(book.find("c") != nullptr);
  CHECK(book.find("live") != nullptr);
  CHECK(book.retained_bytes() <= 250'000);
  CHECK(book.stats(50).retained_bytes == static_cast<int64_t>(book.retained_bytes()));
}

TEST_CASE("finished jobs are forgotten after the retention time whatever their size",
          "[jobs][memory]") {
  SchedulerPolicy policy;
  policy.retention_ms = 1000;
  JobBook book(policy);
  finish_with_output(book, "small", 10, 100);
  finish_with_output(book, "later", 10, 600);
  CHECK(book.expire(1099).empty());
  CHECK(book.expire(1100) == std::vector<std::string>{"small"});
  CHECK(book.expire(1600) == std::vector<std::string>{"later"});
  CHECK(book.retained_bytes() == 0);
}

namespace {

TestOutcome test_at(int32_t index) {
  TestOutcome test;
  test.index = index;
  test.verdict = Verdict::kAccepted;
  return test;
}

std::vector<int32_t> indexes_of(const std::vector<JobEvent>& events) {
  std::vector<int32_t> indexes;
  for (const auto& event : events) indexes.push_back(event.test->index);
  return indexes;
}

}  // namespace

TEST_CASE("tests finishing out of order come out in index order", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("a", spec_with(Priority::kNormal, 4), 0);
  start(book);
  CHECK(indexes_of(book.record_test("a", 1, test_at(0))) == std::vector<int32_t>{0});
  CHECK(book.record_test("a", 1, test_at(3)).empty());
  CHECK(book.find("a")->status->tests_done == 1);
  CHECK(indexes_of(book.record_test("a", 1, test_at(1))) == std::vector<int32_t>{1});
  const auto rest = book.record_test("a", 1, test_at(2));
  CHECK(indexes_of(rest) == std::vector<int32_t>{2, 3});
  CHECK(rest.back().status.tests_done == 4);
}

TEST_CASE("a new attempt forgets the tests its previous attempt held", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("a", spec_with(Priority::kNormal, 3), 0);
  start(book);
  CHECK(book.record_test("a", 1, test_at(2)).empty());
  CHECK(book.finish(report("a", 1, AttemptReport::Kind::kNotStarted), 5));
  start(book);
  CHECK(indexes_of(book.record_test("a", 2, test_at(0))) == std::vector<int32_t>{0});
  CHECK(indexes_of(book.record_test("a", 2, test_at(1))) == std::vector<int32_t>{1});
}

TEST_CASE("a listing is newest first, filtered, paged after a cursor", "[jobs][list]") {
  JobBook book(SchedulerPolicy{});
  for (int i = 0; i < 5; ++i) {
    auto spec = spec_with(Priority::kNormal);
    spec.owner = i % 2 == 0 ? "ann" : "bob";
    book.add("job-" + std::to_string(i), spec, 100 + i);
  }
  start(book);  // job-0 is active.
  JobQuery query;
  query.any_owner = true;
  query.limit = 2;
  auto page = book.list(query);
  REQUIRE(page.jobs.size() == 2);
  CHECK(page.jobs[0].id == "job-4");
  CHECK(page.jobs[1].id == "job-3");
  CHECK(page.more);
  query.after_created_ms = page.jobs[1].created_at_ms;
  query.after_id = page.jobs[1].id;
  book.add("job-5", spec_with(Priority::kNormal), 200);  // Newer: not on later pages.
  page = book.list(query);
  REQUIRE(page.jobs.size() == 2);
  CHECK(page.jobs[0].id == "job-2");
  CHECK(page.jobs[1].id == "job-1");
  query.after_id = "job-1";
  query.after_created_ms = 101;
  page = book.list(query);
  REQUIRE(page.jobs.size() == 1);
  CHECK_FALSE(page.more);

  JobQuery mine;
  mine.owner = "ann";
  mine.state = "queued";
  page = book.list(mine);
  REQUIRE(page.jobs.size() == 2);
  CHECK(page.jobs[0].id == "job-4");
  CHECK(page.jobs[1].id == "job-2");
}

TEST_CASE("an owner's listing holds its jobs only, among many of others", "[jobs][list]") {
  SchedulerPolicy policy;
  policy.retention_ms = 1000;
  JobBook book(policy);
  for (int i = 0; i < 300; ++i) {
    auto spec = spec_with(Priority::kNormal);
    spec.owner = i % 100 == 7 ? "ann" : "crowd";
    book.add("job-" + std::to_string(i), spec, 100 + i);
  }
  book.add("job-free", spec_with(Priority::kNormal), 50);  // No owner.
  const auto listed = [&book](JobQuery query, int64_t after_ms, const std::string& after_id) {
    query.after_created_ms = after_ms;
    query.after_id = after_id;
    std::vector<std::string> ids;
    for (const auto& status : book.list(query).jobs) ids.push_back(status.id);
    return ids;
  };
  JobQuery mine;
  mine.owner = "ann";
  mine.limit = 2;
  CHECK(listed(mine, 0, "") == std::vector<std::string>{"job-207", "job-107"});
  CHECK(listed(mine, 207, "job-107") == std::vector<std::string>{"job-7"});
  // A cursor naming another owner's job pages through the owner's own jobs from there.
  CHECK(listed(mine, 250, "job-150") == std::vector<std::string>{"job-107", "job-7"});
  JobQuery nobody;
  nobody.owner = "nobody";
  CHECK(book.list(nobody).jobs.empty());
  JobQuery unowned;  // Jobs without an owner are listed to admins only.
  CHECK(book.list(unowned).jobs.empty());
}

TEST_CASE("a listing forgets expired jobs and keeps no test outputs", "[jobs][list]") {
  SchedulerPolicy policy;
  policy.retention_ms = 100;
  JobBook book(policy);
  book.add("a", spec_with(Priority::kNormal, 1), 0);
  book.add("b", spec_with(Priority::kNormal, 1), 1);
  start(book);
  REQUIRE(book.finish(judged_with_output("a", 50), 10));
  JobQuery query;
  query.any_owner = true;
  auto page = book.list(query);
  REQUIRE(page.jobs.size() == 2);
  REQUIRE(page.jobs[1].result);
  CHECK(page.jobs[1].result->tests.empty());
  book.expire(1000);
  page = book.list(query);
  REQUIRE(page.jobs.size() == 1);
  CHECK(page.jobs[0].id == "b");
}

TEST_CASE("a finished job's webhook state moves forward only", "[jobs][webhook]") {
  JobBook book(SchedulerPolicy{});
  auto spec = spec_with(Priority::kNormal);
  spec.callback_url = "https://hooks.example.com/h";
  book.add("a", spec, 0);
  book.add("b", spec_with(Priority::kNormal), 0);
  CHECK_FALSE(book.record_webhook("a", WebhookStatus{WebhookState::kDelivered, 1, "", 204}));
  start(book);
  REQUIRE(book.finish(report("a", 1, AttemptReport::Kind::kJudged), 5));
  CHECK(book.find("a")->status->webhook.state == WebhookState::kPending);
  const auto retrying =
      book.record_webhook("a", WebhookStatus{WebhookState::kDelivering, 2, "refused", 0});
  REQUIRE(retrying);
  CHECK(retrying->webhook.attempts == 2);
  CHECK_FALSE(book.record_webhook("a", WebhookStatus{WebhookState::kDelivering, 1, "", 0}));
  REQUIRE(book.record_webhook("a", WebhookStatus{WebhookState::kDelivered, 3, "", 204}));
  CHECK_FALSE(book.record_webhook("a", WebhookStatus{WebhookState::kDelivering, 3, "late", 0}));
  CHECK(book.find("a")->status->webhook.state == WebhookState::kDelivered);
  start(book);
  REQUIRE(book.finish(report("b", 1, AttemptReport::Kind::kJudged), 6));
  CHECK(book.find("b")->status->webhook.state == WebhookState::kNone);
}

TEST_CASE("a result keeps each test's output up to the bound, flagged when cut", "[jobs][memory]") {
  SchedulerPolicy policy;
  policy.kept_output_bytes = 1000;
  JobBook book(policy);
  book.add("a", spec_with(Priority::kNormal, 1), 0);
  start(book);
  // The progress event carries the test as it came.
  const auto progress = book.record_test("a", 1, judged_with_output("a", 5000).outcome.tests[0]);
  REQUIRE(progress.size() == 1);
  REQUIRE(progress[0].test);
  CHECK(progress[0].test->stdout_data.size() == 5000);
  CHECK_FALSE(progress[0].test->stdout_truncated);
  const auto done = book.finish(judged_with_output("a", 5000), 10);
  REQUIRE(done);
  REQUIRE(done->status.result);
  const TestOutcome& kept = done->status.result->tests.at(0);
  CHECK(kept.stdout_data == std::string(1000, 'o'));
  CHECK(kept.stdout_truncated);
  CHECK(kept.stderr_data == "warning\n");  // Within the bound: whole, not flagged.
  CHECK_FALSE(kept.stderr_truncated);
  CHECK(book.find("a")->status->result->tests.at(0).stdout_truncated);
  CHECK(book.retained_bytes() < 2000 + sizeof(JobStatus) + sizeof(JobSpec) + sizeof(TestOutcome));
}

TEST_CASE("a cut output never ends inside a UTF-8 character", "[jobs][memory]") {
  JobOutcome outcome;
  outcome.tests.resize(1);
  outcome.tests[0].stdout_data =
      "ab\xc3\xa9"
      "cd";  // "abécd": é is two bytes.
  CHECK_FALSE(output_within(outcome, 3));
  cap_kept_output(outcome, 3);
  CHECK(outcome.tests[0].stdout_data == "ab");
  CHECK(outcome.tests[0].stdout_truncated);
  CHECK(output_within(outcome, 3));
}

TEST_CASE("the book and the status board share one status per job", "[jobs][memory]") {
  JobBook book(SchedulerPolicy{});
  StatusBoard board;
  finish_with_output(book, "a", 10'000, 10);
  board.publish(book.find("a")->status);
  CHECK(board.find("a").get() == book.find("a")->status.get());
}

TEST_CASE("statistics count final states, throughput and latency percentiles", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  for (int i = 0; i < 100; ++i) {
    const auto id = "job-" + std::to_string(i);
    book.add(id, spec_with(Priority::kNormal), 10'000);
    start(book, 10'000);
    book.finish(report(id, 1, AttemptReport::Kind::kJudged), 10'000 + (i + 1) * 10);
  }
  const auto stats = book.stats(12'000);
  CHECK(stats.completed == 100);
  CHECK(stats.submitted == 100);
  CHECK(stats.latency_samples == 100);
  CHECK(stats.latency_p50_ms == Approx(500).margin(10));
  CHECK(stats.latency_p99_ms == Approx(990).margin(10));
  CHECK(stats.jobs_per_second_last_minute == Approx(100.0 / 60));
  CHECK(book.stats(80'000).jobs_per_second_last_minute == 0);
}

TEST_CASE("the status board hands out whole published statuses to readers", "[jobs]") {
  StatusBoard board;
  CHECK(board.find("a") == nullptr);
  JobStatus status;
  status.id = "a";
  status.state = JobState::kQueued;
  board.publish(std::make_shared<const JobStatus>(status));
  const auto queued = board.find("a");
  REQUIRE(queued != nullptr);
  status.state = JobState::kCompleted;
  status.result.emplace().verdict = Verdict::kAccepted;
  board.publish(std::make_shared<const JobStatus>(status));
  CHECK(queued->state == JobState::kQueued);  // A reader's copy never changes under it.
  CHECK(board.find("a")->result->verdict == Verdict::kAccepted);
  board.forget("a");
  CHECK(board.find("a") == nullptr);
}

namespace {

StoredJob stored(const std::string& id, JobState state, int32_t attempts, Priority priority,
                 int64_t created_at) {
  StoredJob job;
  job.status.id = id;
  job.status.state = state;
  job.status.attempts = attempts;
  job.status.priority = priority;
  job.status.created_at_ms = created_at;
  job.status.tests_total = 1;
  job.spec = spec_with(priority);
  return job;
}

}  // namespace

TEST_CASE("a new leader restores queued jobs to their queues and running ones unclaimed",
          "[jobs][failover]") {
  JobBook book(SchedulerPolicy{});
  book.restore(stored("queued-high", JobState::kQueued, 0, Priority::kHigh, 2));
  book.restore(stored("running", JobState::kActive, 2, Priority::kNormal, 1));
  book.restore(stored("done", JobState::kCompleted, 1, Priority::kNormal, 1));
  CHECK(book.find("done") == nullptr);
  CHECK(book.active() == 1);
  CHECK(book.waiting() == 1);
  const auto unclaimed = book.running_on("");
  REQUIRE(unclaimed.size() == 1);
  CHECK((unclaimed[0].job_id == "running" && unclaimed[0].attempt == 2));

  SECTION("the worker still running the attempt claims it, and its report counts") {
    CHECK(book.claim("running", 2, "worker-7"));
    CHECK(book.running_on("").empty());
    CHECK_FALSE(book.claim("running", 2, "worker-8"));  // Someone else holds it now.
    const auto event = book.finish(report("running", 2, AttemptReport::Kind::kJudged), 5000);
    REQUIRE(event);
    CHECK(event->status.state == JobState::kCompleted);
    CHECK(book.active() == 0);
  }
  SECTION("a claim of an older attempt is refused and its report ignored") {
    CHECK_FALSE(book.claim("running", 1, "worker-7"));
    CHECK_FALSE(book.finish(report("running", 1, AttemptReport::Kind::kJudged), 5000));
  }
  SECTION("an unclaimed attempt is requeued like an internal error: attempts + 1 on restart") {
    const auto event = book.finish(report("running", 2, AttemptReport::Kind::kInternalError), 5000);
    REQUIRE(event);
    CHECK(event->status.state == JobState::kQueued);
    CHECK(book.active() == 0);
  }
  SECTION("restored queued jobs start in priority order") {
    const auto started = book.start_next("worker-1", 5000);
    REQUIRE(started);
    CHECK(started->first->status->id == "queued-high");
    CHECK(started->first->status->attempts == 1);
  }
}

TEST_CASE("restoring a job the book already holds changes nothing", "[jobs][failover]") {
  JobBook book(SchedulerPolicy{});
  book.add("job", spec_with(Priority::kNormal), 1);
  book.restore(stored("job", JobState::kActive, 3, Priority::kNormal, 1));
  CHECK(book.active() == 0);
  CHECK(book.find("job")->status->state == JobState::kQueued);
}

TEST_CASE("a job a worker hands back unrun is queued again first, without backoff", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("first", spec_with(Priority::kNormal), 1);
  book.add("second", spec_with(Priority::kNormal), 2);
  const std::string id = start(book);
  REQUIRE(id == "first");
  const auto event = book.finish(report(id, 1, AttemptReport::Kind::kNotStarted), 1100);
  REQUIRE(event);
  CHECK(event->status.state == JobState::kQueued);
  CHECK(book.active() == 0);
  const auto again = book.start_next("worker-2", 1100);
  REQUIRE(again);
  CHECK(again->first->status->id == "first");
  // A new attempt number: the handed-back attempt's report can never count for this one.
  CHECK(again->first->status->attempts == 2);
}

TEST_CASE("a job's timeline keeps its first hop and the latest, and stays out of events",
          "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("a", spec_with(Priority::kNormal), 1000);
  book.note("a", JobHop{1000, "accepted", "api-1", ""});
  for (int64_t i = 0; i < 100; ++i) book.note("a", JobHop{1001 + i, "test", "worker-1", ""});
  book.note("unknown", JobHop{1200, "queued", "leader", ""});
  const auto& timeline = book.find("a")->status->timeline;
  REQUIRE(timeline.size() == kTimelineMaxHops);
  CHECK(timeline.front().event == "accepted");
  CHECK(timeline[1].at_ms == 1001 + 100 - static_cast<int64_t>(kTimelineMaxHops) + 1);
  CHECK(timeline.back().at_ms == 1100);
  const auto started = book.start_next("worker-1", 1300);
  REQUIRE(started);
  CHECK(started->second.status.timeline.empty());
  CHECK(started->first->status->timeline.size() == kTimelineMaxHops);
}

TEST_CASE("a hop on a finished job counts towards the retained bytes", "[jobs]") {
  JobBook book(SchedulerPolicy{});
  book.add("a", spec_with(Priority::kNormal), 1000);
  start(book, 1100);
  REQUIRE(book.finish(report("a", 1, AttemptReport::Kind::kJudged), 1200));
  const size_t before = book.retained_bytes();
  book.note("a", JobHop{1200, "completed", "leader", std::string(1000, 'x')});
  CHECK(book.retained_bytes() >= before + 1000);
  SchedulerPolicy policy;
  CHECK(book.expire(1200 + policy.retention_ms + 1) == std::vector<std::string>{"a"});
  CHECK(book.retained_bytes() == 0);
}

namespace {

JobSpec spec_in(const std::string& language, Priority priority) {
  JobSpec spec = spec_with(priority);
  spec.language = language;
  return spec;
}

// The book's queued jobs of `language` by priority (high, normal, low), checked against the
// totals by priority.
std::vector<int64_t> queued(const JobBook& book, const std::string& language) {
  const auto stats = book.stats(0);
  for (int p = 0; p < kPriorityCount; ++p) {
    int64_t all_languages = 0;
    for (const auto& [name, counts] : stats.queued_by_language) all_languages += counts[p];
    CHECK(all_languages == stats.queued_by_priority[p]);
  }
  const auto found = stats.queued_by_language.find(language);
  return found == stats.queued_by_language.end() ? std::vector<int64_t>(kPriorityCount, 0)
                                                 : found->second;
}

using Counts = std::vector<int64_t>;

}  // namespace

TEST_CASE("queued jobs are counted by language as they enter and leave the queues", "[jobs]") {
  SchedulerPolicy policy;
  policy.retry_base_ms = 1000;
  JobBook book(policy, 42);
  book.add("py-normal", spec_in("python", Priority::kNormal), 0);
  book.add("py-high", spec_in("python", Priority::kHigh), 0);
  book.add("c-normal", spec_in("c", Priority::kNormal), 0);
  book.add("js-low", spec_in("javascript", Priority::kLow), 0);
  CHECK(queued(book, "python") == Counts{1, 1, 0});
  CHECK(queued(book, "c") == Counts{0, 1, 0});
  CHECK(queued(book, "javascript") == Counts{0, 0, 1});

  const auto python_only = [](const std::string& language) {
    return language == "python" ? std::string("worker-1") : std::string();
  };
  const auto none = [](const std::string&) { return std::string(); };
  REQUIRE(book.start_next(python_only, 0)->first->status->id == "py-high");
  CHECK(queued(book, "python") == Counts{0, 1, 0});

  std::string worker;
  REQUIRE(book.cancel("js-low", 0, &worker).result == CancelResult::kCancelled);
  CHECK(book.stats(0).queued_by_language.count("javascript") == 0);

  // A retry counts again once its backoff is over and it is back in its queue.
  book.finish(report("py-high", 1, AttemptReport::Kind::kInternalError), 0);
  CHECK(queued(book, "python") == Counts{0, 1, 0});
  const int64_t due = *book.next_retry_due();
  CHECK_FALSE(book.start_next(none, due));
  CHECK(queued(book, "python") == Counts{1, 1, 0});

  REQUIRE(book.start_next(python_only, due)->first->status->id == "py-high");
  book.finish(report("py-high", 2, AttemptReport::Kind::kNotStarted), due);
  CHECK(queued(book, "python") == Counts{1, 1, 0});

  book.fail_queued([](const BookEntry& record) {
    return record.spec.language == "c" ? "no worker offers c" : "";
  }, due);
  CHECK(book.stats(0).queued_by_language.count("c") == 0);
  CHECK(queued(book, "python") == Counts{1, 1, 0});

  book.fail_waiting("shutting down", due);
  CHECK(book.stats(0).queued_by_language.empty());

  JobBook successor(policy);
  StoredJob job;
  job.status.id = "restored";
  job.status.language = "java";
  job.status.priority = Priority::kLow;
  job.spec = spec_in("java", Priority::kLow);
  successor.restore(job);
  CHECK(queued(successor, "java") == Counts{0, 0, 1});
}
