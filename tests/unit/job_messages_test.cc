// The persisted job types cross nodes through CAF's binary serialization: their optional
// members, enums and nested lists must come back as they were sent.
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <catch2/catch.hpp>

#include "actors/messages.h"

using namespace codearena::actors;

namespace {

template <class T>
T round_trip(T value) {
  std::vector<char> bytes;
  caf::binary_serializer sink(nullptr, bytes);
  REQUIRE_FALSE(inspect(sink, value));
  T copy;
  caf::binary_deserializer source(nullptr, bytes);
  REQUIRE_FALSE(inspect(source, copy));
  CHECK(source.remaining() == 0);
  return copy;
}

}  // namespace

TEST_CASE("a stored job survives CAF serialization with and without its optional parts",
          "[actors]") {
  StoredJob job;
  job.status.id = "j1";
  job.status.state = JobState::kCompleted;
  job.status.result.emplace();
  job.status.result->verdict = Verdict::kTimeLimit;
  TestOutcome test;
  test.index = 1;
  test.verdict = Verdict::kWrongAnswer;
  test.stdout_data = std::string("\x00\xff", 2);
  job.status.result->tests = {test};
  job.spec.emplace();
  job.spec->checker = CheckerKind::kTokens;
  job.spec->tests = {TestCaseSpec{"1", "2"}, TestCaseSpec{"3", std::nullopt}};
  job.status.timeline = {JobHop{5, "queued", "leader-a", "normal priority"}};

  const StoredJob copy = round_trip(job);
  REQUIRE(copy.status.timeline.size() == 1);
  CHECK(copy.status.timeline[0].at_ms == 5);
  CHECK(copy.status.timeline[0].node == "leader-a");
  CHECK(copy.status.timeline[0].detail == "normal priority");
  CHECK(copy.status.id == "j1");
  CHECK(copy.status.state == JobState::kCompleted);
  REQUIRE(copy.status.result);
  CHECK(copy.status.result->verdict == Verdict::kTimeLimit);
  REQUIRE(copy.status.result->tests.size() == 1);
  CHECK(copy.status.result->tests[0].verdict == Verdict::kWrongAnswer);
  CHECK(copy.status.result->tests[0].stdout_data == test.stdout_data);
  REQUIRE(copy.spec);
  CHECK(copy.spec->checker == CheckerKind::kTokens);
  REQUIRE(copy.spec->tests.size() == 2);
  CHECK(copy.spec->tests[0].expected_output == "2");
  CHECK_FALSE(copy.spec->tests[1].expected_output);

  StoredJob bare;
  bare.status.id = "j2";
  const StoredJob bare_copy = round_trip(bare);
  CHECK(bare_copy.status.id == "j2");
  CHECK_FALSE(bare_copy.status.result);
  CHECK_FALSE(bare_copy.spec);
}

TEST_CASE("a job event carries its test case only when it has one", "[actors]") {
  JobEvent event;
  event.status.id = "j";
  CHECK_FALSE(round_trip(event).test);
  event.test.emplace().verdict = Verdict::kAccepted;
  const JobEvent copy = round_trip(event);
  REQUIRE(copy.test);
  CHECK(copy.test->verdict == Verdict::kAccepted);
}

TEST_CASE("scheduler stats carry the queue by language to other nodes", "[actors]") {
  SchedulerStats stats;
  stats.queued_by_priority = {1, 2, 0};
  stats.queued_by_language = {{"c", {0, 2, 0}}, {"python", {1, 0, 0}}};
  stats.nodes_lost = 4;
  const SchedulerStats copy = round_trip(stats);
  CHECK(copy.queued_by_priority == stats.queued_by_priority);
  CHECK(copy.queued_by_language == stats.queued_by_language);
  CHECK(copy.nodes_lost == 4);
}
