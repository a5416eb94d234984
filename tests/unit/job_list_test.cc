#include <catch2/catch.hpp>

#include "http/api_error.h"
#include "http/event_stream.h"
#include "http/job_list.h"

using namespace codearena;
using http::ApiError;

namespace {

const judge::LanguageTable& languages() {
  static const auto table = judge::LanguageTable::load(judge::default_language_table_path(), false);
  return table;
}

std::string refused_parameter(const http::QueryParams& params) {
  try {
    http::parse_job_query(params, languages());
  } catch (const ApiError& error) {
    CHECK(error.status() == 400);
    CHECK(error.code() == "invalid_query");
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a listing query reads filters, limit and the cursor of a page", "[list]") {
  const auto plain = http::parse_job_query({}, languages());
  CHECK(plain.limit == http::kDefaultListLimit);
  CHECK(plain.after_id.empty());

  const auto query = http::parse_job_query(
      {{"state", "completed"}, {"language", "py"}, {"limit", "100"},
       {"cursor", "1700000000123.0f8e2a6c-1b2d-4c3e-9f00-123456789abc"}},
      languages());
  CHECK(query.state == "completed");
  CHECK(query.language == "python");
  CHECK(query.limit == 100);
  CHECK(query.after_created_ms == 1700000000123);
  CHECK(query.after_id == "0f8e2a6c-1b2d-4c3e-9f00-123456789abc");
}

TEST_CASE("a page's cursor names its last job and is read back", "[list]") {
  actors::JobPage page;
  page.jobs.resize(2);
  page.jobs[1].id = "0f8e2a6c-1b2d-4c3e-9f00-123456789abc";
  page.jobs[1].created_at_ms = 42;
  page.more = true;
  const auto cursor = http::job_page_json(page)["nextCursor"].get<std::string>();
  const auto query = http::parse_job_query({{"cursor", cursor}}, languages());
  CHECK(query.after_created_ms == 42);
  CHECK(query.after_id == page.jobs[1].id);
  page.more = false;
  CHECK(http::job_page_json(page)["nextCursor"].is_null());
}

TEST_CASE("a bad listing query is refused naming the parameter", "[list]") {
  CHECK_THAT(refused_parameter({{"state", "sleeping"}}), Catch::Contains("'state'"));
  CHECK_THAT(refused_parameter({{"language", "cobol"}}), Catch::Contains("'language'"));
  CHECK_THAT(refused_parameter({{"limit", "101"}}), Catch::Contains("'limit'"));
  CHECK_THAT(refused_parameter({{"limit", "0"}}), Catch::Contains("'limit'"));
  CHECK_THAT(refused_parameter({{"limit", "-1"}}), Catch::Contains("'limit'"));
  CHECK_THAT(refused_parameter({{"cursor", "12"}}), Catch::Contains("'cursor'"));
  CHECK_THAT(refused_parameter({{"cursor", "x.0f8e2a6c-1b2d-4c3e-9f00-123456789abc"}}),
             Catch::Contains("'cursor'"));
  CHECK_THAT(refused_parameter({{"owner", "bob"}}), Catch::Contains("'owner'"));
}

TEST_CASE("a refused listing query quotes the client's text cut short", "[list]") {
  const std::string long_text(70'000, '9');
  for (const auto& params : std::vector<http::QueryParams>{
           {{"limit", long_text}}, {{"state", long_text}}, {{"language", long_text}},
           {{long_text, "1"}}, {{"cursor", long_text}}}) {
    CHECK(refused_parameter(params).size() < 512);
  }
}

TEST_CASE("Last-Event-ID says what a reconnecting client has", "[sse]") {
  const auto test = http::parse_last_event_id("a2-t5");
  CHECK(test.known);
  CHECK_FALSE(test.final);
  CHECK(test.attempt == 2);
  CHECK(test.test_index == 5);
  CHECK(http::parse_last_event_id("a1-completed").final);
  CHECK_FALSE(http::parse_last_event_id("a1-active").final);
  CHECK_FALSE(http::parse_last_event_id("a1-sleeping").known);
  CHECK_FALSE(http::parse_last_event_id("").known);
  CHECK_FALSE(http::parse_last_event_id("a1234567890-t1").known);  // Past 9 digits.
  CHECK_FALSE(http::parse_last_event_id("a1-t").known);
  CHECK_FALSE(http::parse_last_event_id("a1-t2x").known);
  CHECK_FALSE(http::parse_last_event_id("a-t2").known);
  CHECK_FALSE(http::parse_last_event_id("b1-t2").known);
  CHECK(http::parse_last_event_id("a999999999-t999999999").test_index == 999999999);

  actors::JobEvent event;
  event.status.attempts = 2;
  event.test = actors::TestOutcome{};
  event.test->index = 5;
  CHECK(http::already_received(test, event));
  event.test->index = 6;
  CHECK_FALSE(http::already_received(test, event));
  event.status.attempts = 3;
  event.test->index = 0;
  CHECK_FALSE(http::already_received(test, event));
}

TEST_CASE("a Last-Event-ID as long as a request head is read without recursion", "[sse]") {
  // std::regex took a frame per letter and overflowed the thread's stack at ~50,000.
  for (const auto* tail : {"", "!", "-t1"}) {
    CHECK_FALSE(http::parse_last_event_id("a1-" + std::string(80'000, 'a') + tail).known);
    CHECK_FALSE(http::parse_last_event_id("a1-t" + std::string(80'000, '9') + tail).known);
  }
}

TEST_CASE("every event carries its id", "[sse]") {
  actors::JobEvent event;
  event.status.id = "job";
  event.status.attempts = 1;
  event.status.state = actors::JobState::kCompleted;
  CHECK(http::state_event_text(event.status).rfind("id: a1-completed\nevent: state\ndata: {", 0) ==
        0);
  event.test = actors::TestOutcome{};
  event.test->index = 3;
  CHECK(http::test_event_text(event).rfind("id: a1-t3\nevent: test\ndata: {", 0) == 0);
}
