#include "tests/cluster/job_samples.h"

#include <catch2/catch.hpp>

namespace codearena::cluster::testing {

using namespace actors;
using namespace std::string_literals;

namespace {

// Not UTF-8: stray bytes, an invalid pair, an encoded surrogate, embedded NULs.
const std::string kBinary = "\xff\xfe\x00\x01 \xc3\x28 \xed\xa0\x80 tail\x00"s;

TestOutcome outcome(int32_t index, Verdict verdict, std::string out, std::string err) {
  TestOutcome test;
  test.index = index;
  test.verdict = verdict;
  test.cpu_ms = 11 + index;
  test.wall_ms = 22 + index;
  test.memory_kb = 3300 + index;
  test.exit_code = 1 + index;
  test.signal = index == 1 ? "SIGSEGV" : "";
  test.stdout_data = std::move(out);
  test.stderr_data = std::move(err);
  test.message = "message " + std::to_string(index);
  test.stdout_truncated = index == 1;
  test.stderr_truncated = index == 2;
  return test;
}

void check_same_test(const TestOutcome& actual, const TestOutcome& expected) {
  CHECK(actual.index == expected.index);
  CHECK(actual.verdict == expected.verdict);
  CHECK(actual.cpu_ms == expected.cpu_ms);
  CHECK(actual.wall_ms == expected.wall_ms);
  CHECK(actual.memory_kb == expected.memory_kb);
  CHECK(actual.exit_code == expected.exit_code);
  CHECK(actual.signal == expected.signal);
  CHECK(actual.stdout_data == expected.stdout_data);
  CHECK(actual.stderr_data == expected.stderr_data);
  CHECK(actual.message == expected.message);
  CHECK(actual.stdout_truncated == expected.stdout_truncated);
  CHECK(actual.stderr_truncated == expected.stderr_truncated);
}

void check_same_outcome(const JobOutcome& a, const JobOutcome& e) {
  CHECK(a.verdict == e.verdict);
  CHECK(a.language == e.language);
  CHECK(a.compile_output == e.compile_output);
  CHECK(a.compile_cached == e.compile_cached);
  REQUIRE(a.tests.size() == e.tests.size());
  for (size_t i = 0; i < a.tests.size(); ++i) check_same_test(a.tests[i], e.tests[i]);
  CHECK(a.passed == e.passed);
  CHECK(a.total == e.total);
  CHECK(a.max_cpu_ms == e.max_cpu_ms);
  CHECK(a.max_memory_kb == e.max_memory_kb);
  CHECK(a.message == e.message);
  CHECK(a.time_limit_ms == e.time_limit_ms);
  CHECK(a.memory_limit_bytes == e.memory_limit_bytes);
  CHECK(a.output_limit_bytes == e.output_limit_bytes);
}

}  // namespace

JobSpec full_spec() {
  JobSpec spec;
  spec.language = "cpp";
  spec.code = "#include <cstdio>\nint main() { puts(\"\\\"hi\\\"\"); }\n";
  spec.input = "unused stdin";
  spec.tests = {TestCaseSpec{"1 2\n", "3\n"}, TestCaseSpec{"\xce\xbb\n", std::nullopt}};
  spec.time_limit_ms = 1500;
  spec.memory_limit_bytes = 64 << 20;
  spec.output_limit_bytes = 4096;
  spec.checker = CheckerKind::kCustom;
  spec.checker_absolute_epsilon = 0.25;
  spec.checker_relative_epsilon = 0.125;
  spec.checker_language = "python";
  spec.checker_code = "print('ok')";
  spec.stop_on_first_failure = true;
  spec.priority = Priority::kHigh;
  spec.callback_url = "https://example.test/hook?a=1&b=2";
  spec.owner = "user-\xc3\xa9@example.test";
  return spec;
}

JobStatus full_status(const std::string& id) {
  JobStatus status;
  status.id = id;
  status.state = JobState::kCompleted;
  status.tests_done = 2;
  status.tests_total = 2;
  status.result.emplace();
  status.result->verdict = Verdict::kRuntimeError;
  status.result->language = "cpp";
  status.result->compile_output = "warning: \xe2\x80\x98x\xe2\x80\x99 unused";
  status.result->compile_cached = true;
  status.result->tests = {
      outcome(0, Verdict::kAccepted, "3\n\xf0\x9f\x98\x80 \xd0\xbf\xd1\x80\xd0\xb8", ""),
      outcome(1, Verdict::kRuntimeError, kBinary, "segfault \x80")};
  status.result->passed = 1;
  status.result->total = 2;
  status.result->max_cpu_ms = 12;
  status.result->max_memory_kb = 3301;
  status.result->message = "test 2: runtime error";
  status.result->time_limit_ms = 1500;
  status.result->memory_limit_bytes = 64 << 20;
  status.result->output_limit_bytes = 4096;
  status.failed_reason = "none \"quoted\"";
  status.attempts = 2;
  status.language = "cpp";
  status.priority = Priority::kLow;
  status.created_at_ms = 1'700'000'000'123;
  status.started_at_ms = 1'700'000'000'456;
  status.finished_at_ms = 1'700'000'000'789;
  status.owner = "user-\xc3\xa9@example.test";
  return status;
}

actors::StoredJob simple_record(const std::string& id, JobState state) {
  actors::StoredJob record;
  record.status.id = id;
  record.status.state = state;
  record.status.language = "python";
  JobSpec spec;
  spec.language = "python";
  spec.code = "print(" + std::to_string(id.size()) + ")";
  record.spec = spec;
  return record;
}

void check_same_spec(const JobSpec& actual, const JobSpec& expected) {
  CHECK(actual.language == expected.language);
  CHECK(actual.code == expected.code);
  CHECK(actual.input == expected.input);
  REQUIRE(actual.tests.size() == expected.tests.size());
  for (size_t i = 0; i < actual.tests.size(); ++i) {
    CHECK(actual.tests[i].input == expected.tests[i].input);
    CHECK(actual.tests[i].expected_output == expected.tests[i].expected_output);
  }
  CHECK(actual.time_limit_ms == expected.time_limit_ms);
  CHECK(actual.memory_limit_bytes == expected.memory_limit_bytes);
  CHECK(actual.output_limit_bytes == expected.output_limit_bytes);
  CHECK(actual.checker == expected.checker);
  CHECK(actual.checker_absolute_epsilon == expected.checker_absolute_epsilon);
  CHECK(actual.checker_relative_epsilon == expected.checker_relative_epsilon);
  CHECK(actual.checker_language == expected.checker_language);
  CHECK(actual.checker_code == expected.checker_code);
  CHECK(actual.stop_on_first_failure == expected.stop_on_first_failure);
  CHECK(actual.priority == expected.priority);
  CHECK(actual.callback_url == expected.callback_url);
  CHECK(actual.owner == expected.owner);
}

void check_same_status(const JobStatus& actual, const JobStatus& expected) {
  CHECK(actual.id == expected.id);
  CHECK(actual.state == expected.state);
  CHECK(actual.tests_done == expected.tests_done);
  CHECK(actual.tests_total == expected.tests_total);
  REQUIRE(actual.result.has_value() == expected.result.has_value());
  if (expected.result) check_same_outcome(*actual.result, *expected.result);
  CHECK(actual.failed_reason == expected.failed_reason);
  CHECK(actual.attempts == expected.attempts);
  CHECK(actual.language == expected.language);
  CHECK(actual.priority == expected.priority);
  CHECK(actual.created_at_ms == expected.created_at_ms);
  CHECK(actual.started_at_ms == expected.started_at_ms);
  CHECK(actual.finished_at_ms == expected.finished_at_ms);
  CHECK(actual.owner == expected.owner);
}

}  // namespace codearena::cluster::testing
