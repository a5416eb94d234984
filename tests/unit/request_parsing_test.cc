#include <catch2/catch.hpp>

#include "http/request_parsing.h"
#include "judge/languages.h"

using codearena::http::ApiError;
using codearena::http::parse_execute_request;
using codearena::http::RequestLimits;
namespace judge = codearena::judge;

namespace {

const judge::LanguageTable& languages() {
  static const auto table = judge::LanguageTable::load(judge::default_language_table_path(), false);
  return table;
}

// The status and code of the error the body is refused with ("" when it is accepted).
std::pair<int, std::string> refusal(const std::string& body, RequestLimits limits = {}) {
  try {
    parse_execute_request(body, limits, languages());
    return {0, ""};
  } catch (const ApiError& error) {
    return {error.status(), error.code()};
  }
}

std::string message_of(const std::string& body) {
  try {
    parse_execute_request(body, RequestLimits{}, languages());
  } catch (const ApiError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the product brief's request parses with defaults", "[api]") {
  const auto request = parse_execute_request(
      R"j({"code":"print(input())","language":"python3","input":"hi\n",
          "testCases":[{"input":"1","expectedOutput":"1"},{"input":"2"}]})j",
      RequestLimits{}, languages());
  const auto& spec = request.spec;
  CHECK(spec.language == "python");  // Aliases resolve to the id.
  CHECK(spec.code == "print(input())");
  CHECK(spec.input == "hi\n");
  REQUIRE(spec.tests.size() == 2);
  CHECK(spec.tests[0].expected_output == "1");
  CHECK_FALSE(spec.tests[1].expected_output);
  CHECK(spec.time_limit_ms == -1);
  CHECK(spec.priority == codearena::actors::Priority::kNormal);
  CHECK(spec.checker == codearena::judge::CheckerKind::kDefault);
  CHECK_FALSE(request.wait);
}

TEST_CASE("limits take numbers in the environment's units or strings with units", "[api]") {
  const auto spec = parse_execute_request(
                        R"j({"code":"x","language":"c",
                            "limits":{"time":1.5,"memory":256,"output":"1m"},
                            "priority":"high","wait":true,"stopOnFirstFailure":true,
                            "checker":{"type":"float","epsilon":0.001}})j",
                        RequestLimits{}, languages())
                        .spec;
  CHECK(spec.time_limit_ms == 1500);
  CHECK(spec.memory_limit_bytes == 256LL << 20);
  CHECK(spec.output_limit_bytes == 1 << 20);
  CHECK(spec.priority == codearena::actors::Priority::kHigh);
  CHECK(spec.stop_on_first_failure);
  CHECK(spec.checker == codearena::judge::CheckerKind::kFloat);
  CHECK(spec.checker_absolute_epsilon == 0.001);
  CHECK(parse_execute_request(R"j({"code":"x","language":"c","limits":{"time":"250ms"}})j",
                              RequestLimits{}, languages())
            .spec.time_limit_ms == 250);
}

// Proves a limit below one unit (which rounded to 0 and failed the job later) is refused, a
// fraction of a unit over the maximum does not round under it, and both name the field.
TEST_CASE("limits: fractions of a unit neither vanish nor slip under a maximum", "[api]") {
  using R = std::pair<int, std::string>;
  const auto body = [](const std::string& limits) {
    return R"j({"language":"python","code":"x","limits":)j" + limits + "}";
  };
  CHECK(refusal(body(R"j({"time":1e-9})j")) == R{400, "invalid_field"});
  CHECK_THAT(message_of(body(R"j({"time":1e-9})j")), Catch::Contains("limits.time"));
  CHECK(refusal(body(R"j({"output":0.0001})j")) == R{400, "invalid_field"});
  CHECK_THAT(message_of(body(R"j({"output":0.0001})j")), Catch::Contains("limits.output"));
  CHECK(refusal(body(R"j({"memory":1e-7})j")) == R{400, "invalid_field"});
  CHECK(refusal(body(R"j({"time":30.0001})j")) == R{422, "limit_too_high"});
  CHECK_THAT(message_of(body(R"j({"time":30.0001})j")),
             Catch::Contains("limits.time") && Catch::Contains("30000.1 ms"));
  // The smallest limits and the maximum itself are accepted.
  CHECK(refusal(body(R"j({"time":0.001,"output":0.0009765625,"memory":"1m"})j")) == R{0, ""});
  CHECK(refusal(body(R"j({"time":30})j")) == R{0, ""});
}

TEST_CASE("JSON media types: application/json and application/*+json, in any case", "[api]") {
  using codearena::http::is_json_media_type;
  for (const char* type : {"application/json", "application/JSON", "Application/Json",
                           "application/json; charset=utf-8", " application/json ",
                           "application/problem+json", "application/vnd.codearena.job+JSON"}) {
    INFO(type);
    CHECK(is_json_media_type(type));
  }
  for (const char* type : {"text/json", "text/plain", "application/jsonx", "application/+json",
                           "application/x-www-form-urlencoded", "", "json",
                           "multipart/form-data; boundary=json"}) {
    INFO(type);
    CHECK_FALSE(is_json_media_type(type));
  }
}

TEST_CASE("bad input is refused with the right status and code", "[api]") {
  using R = std::pair<int, std::string>;
  CHECK(refusal("{not json") == R{400, "invalid_json"});
  CHECK(refusal("") == R{400, "invalid_json"});
  CHECK(refusal("[1,2]") == R{400, "invalid_body"});
  CHECK(refusal(R"j({"code":"x"})j") == R{400, "missing_field"});
  CHECK(refusal(R"j({"language":"python"})j") == R{400, "missing_field"});
  CHECK(refusal(R"j({"language":"python","code":42})j") == R{400, "invalid_field"});
  CHECK(refusal(R"j({"language":"cobol","code":"x"})j") == R{422, "unknown_language"});
  CHECK(refusal(R"j({"language":"python","code":"x","input":7})j") == R{400, "invalid_field"});
  CHECK(refusal(R"j({"language":"python","code":"x","testCases":{}})j") == R{400, "invalid_field"});
  CHECK(refusal(R"j({"language":"python","code":"x","testCases":[{"input":1}]})j") ==
        R{400, "invalid_field"});
  CHECK(refusal(R"j({"language":"python","code":"x","priority":"urgent"})j") ==
        R{400, "invalid_field"});
  CHECK(refusal(R"j({"language":"python","code":"x","wait":"yes"})j") == R{400, "invalid_field"});
  CHECK(refusal(R"j({"language":"python","code":"x","limits":{"time":-1}})j") ==
        R{400, "invalid_field"});
  CHECK(refusal(R"j({"language":"python","code":"x","limits":{"memory":"lots"}})j") ==
        R{400, "invalid_field"});
  CHECK(refusal(R"j({"language":"python","code":"x","limits":{"time":3600}})j") ==
        R{422, "limit_too_high"});
  CHECK(refusal(R"j({"language":"python","code":"x","limits":{"memory":"64g"}})j") ==
        R{422, "limit_too_high"});
  CHECK(refusal(R"j({"language":"python","code":"x","checker":"fuzzy"})j") ==
        R{400, "invalid_field"});
  CHECK(refusal(R"j({"language":"python","code":"x","checker":{"type":"custom","code":"y"}})j") ==
        R{400, "missing_field"});
  CHECK(refusal(R"j({"language":"python","code":"x",
                    "checker":{"type":"custom","code":"y","language":"cobol"}})j") ==
        R{422, "unknown_language"});
  CHECK(refusal(R"j({"language":"python","code":"x","callbackUrl":"ftp://example.com/x"})j") ==
        R{422, "invalid_callback_url"});
}

// Proves a field the API does not define is refused at every level, named with its path, so a
// misplaced limit never runs the job with defaults.
TEST_CASE("unknown fields are refused at every level, naming the field", "[api]") {
  using R = std::pair<int, std::string>;
  const auto unknown = R{400, "unknown_field"};
  CHECK(refusal(R"j({"language":"python","code":"x","timeLimitMs":500})j") == unknown);
  CHECK(
      message_of(R"j({"language":"python","code":"x","timeLimitMs":500})j").find("'timeLimitMs'") !=
      std::string::npos);
  CHECK(refusal(R"j({"language":"python","code":"x","limits":{"cpu":1}})j") == unknown);
  CHECK(
      message_of(R"j({"language":"python","code":"x","limits":{"cpu":1}})j").find("'limits.cpu'") !=
      std::string::npos);
  CHECK(refusal(R"j({"language":"python","code":"x",
                    "testCases":[{"input":""},{"input":"","expected":"1"}]})j") == unknown);
  CHECK(message_of(R"j({"language":"python","code":"x",
                       "testCases":[{"input":""},{"input":"","expected":"1"}]})j")
            .find("'testCases[1].expected'") != std::string::npos);
  CHECK(refusal(R"j({"language":"python","code":"x","checker":{"type":"float","eps":1}})j") ==
        unknown);
  CHECK(message_of(R"j({"language":"python","code":"x","checker":{"type":"float","eps":1}})j")
            .find("'checker.eps'") != std::string::npos);
  // A null is still an unknown field: it is named, not skipped as an absent optional one.
  CHECK(refusal(R"j({"language":"python","code":"x","Code":null})j") == unknown);
  CHECK(refusal(R"j({"language":"python","code":"x","input":"","testCases":[],
                    "limits":{"time":1,"memory":64,"output":64},"checker":{"type":"float",
                    "epsilon":1e-6,"absoluteEpsilon":1e-6,"relativeEpsilon":1e-6},
                    "stopOnFirstFailure":true,"priority":"low","wait":false,
                    "callbackUrl":null})j") == R{0, ""});
}

// Proves bodies built to cost the parser dearly are refused early as invalid JSON: nesting past
// 32 levels (100,000 `[`, or a deep value inside a valid job) and numbers beyond a double.
TEST_CASE("deep nesting and numbers out of range are invalid JSON", "[api]") {
  using R = std::pair<int, std::string>;
  const auto nested = [](size_t depth) {
    return R"j({"language":"python","code":"x","limits":)j" + std::string(depth, '[') +
           std::string(depth, ']') + "}";
  };
  CHECK(refusal(nested(31)) == R{400, "invalid_field"});  // 32 levels parse, then are wrong.
  CHECK(refusal(nested(32)) == R{400, "invalid_json"});
  CHECK_THAT(message_of(nested(32)), Catch::Contains("more than 32 levels deep"));
  CHECK(refusal(std::string(100'000, '[')) == R{400, "invalid_json"});
  CHECK(refusal(std::string(100'000, '[') + std::string(100'000, ']')) == R{400, "invalid_json"});
  CHECK(refusal(R"j({"language":"python","code":"x","limits":{"time":1e309}})j") ==
        R{400, "invalid_json"});
  CHECK(refusal(R"j({"language":"python","code":"x","input":"\ud800"})j") ==
        R{400, "invalid_json"});
}

TEST_CASE("sizes beyond the maxima are refused naming the maximum", "[api]") {
  RequestLimits limits;
  limits.max_code_bytes = 10;
  limits.max_test_cases = 2;
  limits.max_test_bytes = 5;
  limits.max_body_bytes = 400;
  using R = std::pair<int, std::string>;
  CHECK(refusal(R"j({"language":"python","code":"12345678901"})j", limits) ==
        R{413, "code_too_large"});
  CHECK(refusal(R"j({"language":"python","code":"x","input":"123456"})j", limits) ==
        R{413, "test_too_large"});
  CHECK(refusal(R"j({"language":"python","code":"x","testCases":[{"input":"1"},{"input":"2"},
                    {"input":"3"}]})j",
                limits) == R{422, "too_many_tests"});
  CHECK(refusal(R"j({"language":"python","code":"x","testCases":[{"expectedOutput":"123456"}]})j",
                limits) == R{413, "test_too_large"});
  CHECK(refusal(R"j({"language":"python","code":"x","input":")j" + std::string(500, 'a') + "\"}",
                limits) == R{413, "payload_too_large"});
  CHECK(message_of(R"j({"language":"python","code":")j" + std::string(70000, 'a') + "\"}")
            .find("65536") != std::string::npos);
  CHECK(message_of(R"j({"language":"python","code":"x","limits":{"time":3600}})j")
            .find("limits.time") != std::string::npos);
}

TEST_CASE("job ids are recognised by shape", "[api]") {
  CHECK(codearena::http::looks_like_job_id("0f8e2a6c-1b2d-4c3e-9f00-123456789abc"));
  CHECK_FALSE(codearena::http::looks_like_job_id("0f8e2a6c-1b2d-4c3e-9f00-123456789ab"));
  CHECK_FALSE(codearena::http::looks_like_job_id("../../etc/passwd"));
  CHECK_FALSE(codearena::http::looks_like_job_id("0f8e2a6c_1b2d-4c3e-9f00-123456789abc"));
}

// Proves a limit too large for any maximum (2^64, a number times its unit beyond a double) is
// refused as too high, naming the maximum, not as a wrong type.
TEST_CASE("huge limits are too high, not invalid", "[api]") {
  using R = std::pair<int, std::string>;
  for (const char* huge : {"18446744073709551616", "1e308", "9e15"}) {
    const auto body =
        std::string(R"j({"language":"python","code":"x","limits":{"time":)j") + huge + "}}";
    INFO(body);
    CHECK(refusal(body) == R{422, "limit_too_high"});
    CHECK_THAT(message_of(body), !Catch::Contains("inf"));
  }
  CHECK(refusal(R"j({"language":"python","code":"x","limits":{"time":-0}})j") ==
        R{400, "invalid_field"});
}
