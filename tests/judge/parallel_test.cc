// Judging a job's tests in parallel on several slots, and cancelling a job: the results equal a
// sequential run's, the tests really overlap, and a cancel stops the job at once.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "tests/judge/judge_test_support.h"

using codearena::sandbox::CancelToken;

namespace {

using Clock = std::chrono::steady_clock;

// Reads "a b [pause]" and prints a+b, plus one when a > 5 (a wrong answer). `pause` is a number
// of seconds to sleep first, or "spin" to loop forever (a time limit).
const char kProgram[] =
    "import time\n"
    "words = input().split()\n"
    "a, b = int(words[0]), int(words[1])\n"
    "if len(words) > 2:\n"
    "    if words[2] == 'spin':\n"
    "        while True:\n"
    "            pass\n"
    "    time.sleep(float(words[2]))\n"
    "print(a + b + (a > 5))\n";

TestCase sum_case(int a, int b, const std::string& pause = "") {
  const std::string input =
      std::to_string(a) + " " + std::to_string(b) + (pause.empty() ? "" : " " + pause) + "\n";
  return {input, std::to_string(a + b) + "\n"};
}

JudgeRequest python_job(std::vector<TestCase> tests, int parallel) {
  JudgeRequest request;
  request.language = "python";
  request.source = kProgram;
  request.tests = std::move(tests);
  request.parallel_tests = parallel;
  return request;
}

// AC, WA, TLE, AC, WA, AC, TLE, AC: every outcome twice, failures spread over the job.
std::vector<TestCase> mixed_tests() {
  return {sum_case(1, 2),        sum_case(10, 20), sum_case(1, 1, "spin"), sum_case(3, 4),
          sum_case(7, 0, "0.2"), sum_case(2, 2),   sum_case(0, 0, "spin"), sum_case(5, 5, "0.1")};
}

void expect_same_result(const JudgeResult& sequential, const JudgeResult& parallel) {
  INFO("sequential: " << describe(sequential) << "\nparallel: " << describe(parallel));
  CHECK_FALSE(parallel.cancelled);
  CHECK(parallel.verdict == sequential.verdict);
  CHECK(parallel.message == sequential.message);
  CHECK(parallel.passed == sequential.passed);
  CHECK(parallel.total == sequential.total);
  REQUIRE(parallel.tests.size() == sequential.tests.size());
  for (size_t i = 0; i < parallel.tests.size(); ++i) {
    INFO("test " << i);
    CHECK(parallel.tests[i].verdict == sequential.tests[i].verdict);
    CHECK(parallel.tests[i].stdout_data == sequential.tests[i].stdout_data);
    CHECK(parallel.tests[i].exit_code == sequential.tests[i].exit_code);
  }
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

// Proves three-way parallel judging gives exactly the sequential verdicts and outputs for a
// job mixing AC, WA and TLE, with the job verdict taken from the first failing test.
TEST_CASE("parallel: verdicts and outputs equal a sequential run's", "[parallel]") {
  const std::vector<Verdict> expected = {
      Verdict::kAccepted,    Verdict::kWrongAnswer, Verdict::kTimeLimit, Verdict::kAccepted,
      Verdict::kWrongAnswer, Verdict::kAccepted,    Verdict::kTimeLimit, Verdict::kAccepted};
  auto sequential_request = python_job(mixed_tests(), 1);
  sequential_request.limits.cpu_ms = 1000;
  auto parallel_request = sequential_request;
  parallel_request.parallel_tests = kJudgeSlots;

  const JudgeResult sequential = shared_judge().judge(sequential_request);
  std::mutex progress_mutex;
  std::multiset<size_t> reported;
  const JudgeResult parallel =
      shared_judge().judge(parallel_request, [&](size_t index, const TestResult&) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        reported.insert(index);
      });
  INFO(describe(sequential));
  REQUIRE(sequential.tests.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) CHECK(sequential.tests[i].verdict == expected[i]);
  CHECK(sequential.verdict == Verdict::kWrongAnswer);
  CHECK_THAT(sequential.message, Catch::Matchers::StartsWith("test 1: "));
  expect_same_result(sequential, parallel);
  CHECK(reported == std::multiset<size_t>{0, 1, 2, 3, 4, 5, 6, 7});
}

// Proves the tests really run at the same time: while six one-second tests are judged three at
// a time on a three-slot sandbox, every slot is seen busy at once.
TEST_CASE("parallel: tests run at the same time on every free slot", "[parallel]") {
  REQUIRE(judge_sandbox().slot_count() == kJudgeSlots);
  REQUIRE(judge_sandbox().free_slot_count() == kJudgeSlots);
  std::vector<TestCase> tests;
  for (int i = 0; i < 6; ++i) tests.push_back(sum_case(i, 1, "1"));
  std::atomic<bool> done{false};
  std::atomic<size_t> fewest_free{kJudgeSlots};
  std::thread watcher([&] {
    while (!done) {
      fewest_free = std::min<size_t>(fewest_free, judge_sandbox().free_slot_count());
      ::usleep(5000);
    }
  });
  const JudgeResult result = shared_judge().judge(python_job(tests, kJudgeSlots));
  done = true;
  watcher.join();
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kAccepted);
  CHECK(result.passed == 6);
  CHECK(fewest_free == 0);
  CHECK(judge_sandbox().free_slot_count() == kJudgeSlots);
}

// Proves stop_on_first_failure with parallel tests: the outcome is the sequential one (tests
// up to the first failure, the rest skipped) even though later tests finished first (they are
// neither reported nor kept), and the test still running after the failure is cancelled rather
// than waited for.
TEST_CASE("parallel: stop_on_first_failure gives the sequential outcome", "[parallel]") {
  // Test 2 fails after 1.5 s; test 3 would sleep 30 s; tests 4 and 5 pass quickly meanwhile.
  const std::vector<TestCase> tests = {sum_case(1, 2), sum_case(9, 1, "1.5"), sum_case(1, 1, "30"),
                                       sum_case(2, 3), sum_case(3, 3)};
  auto sequential_request = python_job(tests, 1);
  sequential_request.stop_on_first_failure = true;
  auto parallel_request = sequential_request;
  parallel_request.parallel_tests = kJudgeSlots;

  const JudgeResult sequential = shared_judge().judge(sequential_request);
  std::set<size_t> reported;  // Progress calls never overlap.
  const auto start = Clock::now();
  const JudgeResult parallel = shared_judge().judge(
      parallel_request, [&](size_t index, const TestResult&) { reported.insert(index); });
  const double took = seconds_since(start);
  INFO("parallel took " << took << " s");
  REQUIRE(sequential.tests.size() == 5);
  CHECK(sequential.verdict == Verdict::kWrongAnswer);
  CHECK(sequential.skipped == 3);
  for (size_t i = 2; i < 5; ++i) CHECK(sequential.tests[i].verdict == Verdict::kSkipped);
  expect_same_result(sequential, parallel);
  // Tests 4 and 5 ran, but after the failure: the result skips them, and so does the progress.
  CHECK(reported == std::set<size_t>{0, 1});
  // Test 3's wall limit is far longer: it was cancelled, not run to its end.
  CHECK(took < 8);
  CHECK(judge_sandbox().free_slot_count() == kJudgeSlots);
}

// Proves a job cancelled from another thread while tests run stops at once: the running tests
// are killed long before their limits, the remaining ones never start, the result says
// cancelled and keeps only the test that finished, and the slots judge the next job normally.
TEST_CASE("cancel: a job cancelled during its tests stops at once", "[cancel]") {
  std::vector<TestCase> tests = {sum_case(1, 2)};
  for (int i = 0; i < 5; ++i) tests.push_back(sum_case(i, 1, "30"));
  auto request = python_job(tests, 2);
  request.cancel_token = std::make_shared<CancelToken>();
  std::atomic<int> reported{0};
  std::thread canceller([&] {
    while (reported == 0) ::usleep(2000);
    ::usleep(200'000);  // Let test 2, and test 3 on the freed slot, get going.
    request.cancel_token->cancel();
  });
  const auto start = Clock::now();
  const JudgeResult result =
      shared_judge().judge(request, [&](size_t, const TestResult&) { ++reported; });
  const double took = seconds_since(start);
  canceller.join();
  INFO(describe(result) << "\ntook " << took << " s");
  CHECK(result.cancelled);
  CHECK(reported == 1);
  REQUIRE(result.tests.size() == 1);
  CHECK(result.tests[0].verdict == Verdict::kAccepted);
  CHECK(took < 8);  // Each sleeping test's wall limit is 11 s.
  CHECK(judge_sandbox().free_slot_count() == kJudgeSlots);

  const JudgeResult next = shared_judge().judge(python_job({sum_case(4, 5)}, kJudgeSlots));
  INFO(describe(next));
  CHECK_FALSE(next.cancelled);
  CHECK(next.verdict == Verdict::kAccepted);
}

// Proves a job whose token is cancelled before it starts runs no test, compiled or not.
TEST_CASE("cancel: a job cancelled before it starts runs nothing", "[cancel]") {
  auto request = python_job({sum_case(1, 2), sum_case(3, 4)}, 2);
  request.cancel_token = std::make_shared<CancelToken>();
  request.cancel_token->cancel();
  int reported = 0;
  const JudgeResult result =
      shared_judge().judge(request, [&](size_t, const TestResult&) { ++reported; });
  INFO(describe(result));
  CHECK(result.cancelled);
  CHECK(result.tests.empty());
  CHECK(reported == 0);

  JudgeRequest compiled;
  compiled.language = "c";
  compiled.source = "int main(void) { return 0; }\n";
  compiled.cancel_token = request.cancel_token;
  const JudgeResult c_result = shared_judge().judge(compiled);
  INFO(describe(c_result));
  CHECK(c_result.cancelled);
  CHECK(c_result.tests.empty());
  CHECK_FALSE(c_result.compile_cached);
}

// Proves an invalid parallelism is refused like any other invalid job.
TEST_CASE("parallel: parallel_tests below 1 is refused", "[parallel]") {
  CHECK_THROWS_AS(shared_judge().judge(python_job({sum_case(1, 2)}, 0)), JudgeError);
}
