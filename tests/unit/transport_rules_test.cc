// The HTTP transport's rules that need no server: boolean query flags, conditional GET, the
// connection limit per client and the submission-time check of callback destinations.
#include <catch2/catch.hpp>
#include <chrono>
#include <future>

#include "http/api_error.h"
#include "http/callback_check.h"
#include "http/conditional.h"
#include "http/connection_limits.h"
#include "http/query_flags.h"

using namespace codearena::http;
using Parameters = std::vector<std::pair<std::string, std::string>>;

namespace {

// The invalid_query message the query gets ("" when it is accepted).
std::string query_refusal(const Parameters& parameters, const std::string& bare = "") {
  try {
    QueryFlags(parameters, bare, {"wait"});
    return "";
  } catch (const ApiError& error) {
    CHECK(error.status() == 400);
    CHECK(error.code() == "invalid_query");
    return error.what();
  }
}

}  // namespace

TEST_CASE("boolean query flags are true/false/1/0 in any case, nothing else", "[api]") {
  for (const char* yes : {"true", "TRUE", "True", "1"}) {
    CHECK(QueryFlags({{"wait", yes}}, "", {"wait"})["wait"]);
  }
  for (const char* no : {"false", "FALSE", "0"}) {
    CHECK_FALSE(QueryFlags({{"wait", no}}, "", {"wait"})["wait"]);
  }
  CHECK_FALSE(QueryFlags({}, "", {"wait"})["wait"]);
  for (const char* wrong : {"", "yes", "on", "2", "truee", " true"}) {
    INFO(wrong);
    CHECK_THAT(query_refusal({{"wait", wrong}}), Catch::Contains("'wait'"));
  }
  CHECK_THAT(query_refusal({}, "wait"), Catch::Contains("needs a value"));
  CHECK_THAT(query_refusal({{"wiat", "true"}}), Catch::Contains("unknown parameter 'wiat'"));
  CHECK_THAT(query_refusal({{"wait", "1"}, {"wait", "0"}}), Catch::Contains("repeated"));
  // What the client sent is quoted cut short.
  CHECK(query_refusal({{std::string(10'000, 'x'), "1"}}).size() < 200);
  CHECK(query_refusal({{"wait", std::string(10'000, 'x')}}).size() < 200);
}

TEST_CASE("a job's entity tag follows what its answer shows, not the clock", "[api]") {
  codearena::actors::JobStatus status;
  status.state = codearena::actors::JobState::kActive;
  status.tests_done = 1;
  status.tests_total = 3;
  status.attempts = 1;
  const auto tag = job_etag(status, "{\"a\":1}");
  CHECK(tag == job_etag(status, "{\"a\":1}"));
  CHECK(tag.front() == '"');
  CHECK(tag.back() == '"');
  CHECK(tag != job_etag(status, "{\"a\":2}"));
  status.tests_done = 2;
  CHECK(tag != job_etag(status, "{\"a\":1}"));
}

TEST_CASE("If-None-Match names a tag by weak comparison, in a list or as *", "[api]") {
  const std::string tag = "\"active-1-3-1-00ff\"";
  CHECK(none_match_names(tag, tag));
  CHECK(none_match_names("W/" + tag, tag));
  CHECK(none_match_names("\"other\", " + tag, tag));
  CHECK(none_match_names("\"a\",\"b\" , W/" + tag, tag));
  CHECK(none_match_names("*", tag));
  CHECK_FALSE(none_match_names("", tag));
  CHECK_FALSE(none_match_names("\"other\"", tag));
  CHECK_FALSE(none_match_names("active-1-3-1-00ff", tag));  // Unquoted: not an entity tag.
  CHECK_FALSE(none_match_names("\"unterminated", tag));
  CHECK_FALSE(none_match_names("garbage, " + tag, tag));
}

TEST_CASE("a client holds at most its share of connections, given back when they end", "[api]") {
  auto limits = std::make_shared<ConnectionLimits>(2, TrustedProxies::parse("10.0.0.0/8"));
  auto first = limits->admit("192.0.2.1");
  auto second = limits->admit("::ffff:192.0.2.1");  // The same address, written as IPv6.
  CHECK(first);
  CHECK(second);
  CHECK_FALSE(limits->admit("192.0.2.1"));
  CHECK(limits->admit("192.0.2.2"));  // Another client is not affected.
  first.reset();
  CHECK(limits->admit("192.0.2.1"));  // Given back when the connection ends.
  for (int i = 0; i < 10; ++i) CHECK(limits->admit("10.1.2.3"));  // A trusted proxy.
  auto unlimited = std::make_shared<ConnectionLimits>(0, TrustedProxies::parse("none"));
  for (int i = 0; i < 10; ++i) CHECK(unlimited->admit("192.0.2.1"));
}

TEST_CASE("an IPv6 client cannot pass its connection cap by rotating through its /64", "[api]") {
  auto limits = std::make_shared<ConnectionLimits>(2, TrustedProxies::parse("none"));
  auto first = limits->admit("2001:db8:1:2::1");
  auto second = limits->admit("2001:db8:1:2:ffff:ffff:ffff:fffe");
  CHECK(first);
  CHECK(second);
  CHECK_FALSE(limits->admit("2001:db8:1:2:abcd::9"));
  CHECK(limits->admit("2001:db8:1:3::1"));  // The next /64 is another client.
  second.reset();
  CHECK(limits->admit("2001:db8:1:2::77"));  // Given back to the whole /64.
}

TEST_CASE("connections whose peer address is unknown share one count", "[api]") {
  // A connection reset before its peer is read has no address: such connections cannot
  // take more than one client's share, and give it back.
  auto limits = std::make_shared<ConnectionLimits>(1, TrustedProxies::parse("none"));
  auto first = limits->admit("");
  CHECK(first);
  CHECK_FALSE(limits->admit(""));
  first.reset();
  CHECK(limits->admit(""));
}

TEST_CASE("callback destinations are judged, names on the checks' own threads", "[api]") {
  CallbackChecks checks(codearena::webhooks::AddressPolicy{}, std::chrono::seconds(30), 1);
  std::optional<std::optional<ApiError>> at_once;
  const auto keep = [&at_once](std::optional<ApiError> verdict) { at_once = std::move(verdict); };
  checks.check("", keep);  // No callback: nothing to judge, answered on this thread.
  REQUIRE(at_once);
  CHECK_FALSE(*at_once);
  at_once.reset();
  checks.check("http://127.0.0.1:9/hook?token=t", keep);  // A literal needs no resolver.
  REQUIRE(at_once);
  REQUIRE(*at_once);
  CHECK((*at_once)->code() == "callback_not_allowed");
  CHECK(std::string((*at_once)->what()).find("token=t") == std::string::npos);

  std::promise<std::optional<ApiError>> resolved;
  checks.check("http://localhost:9/hook",
               [&resolved](std::optional<ApiError> verdict) { resolved.set_value(verdict); });
  auto verdict = resolved.get_future();
  REQUIRE(verdict.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  const auto refusal = verdict.get();
  REQUIRE(refusal);
  CHECK(refusal->code() == "callback_not_allowed");
}
