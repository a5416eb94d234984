#include "http/json_body.h"

#include <catch2/catch.hpp>

#include "http/api_error.h"
#include "http/echo_text.h"

using codearena::http::ApiError;
using codearena::http::echo;
using codearena::http::parse_json_body;

namespace {

// The message of the ApiError the body gets; fails the test when it parses or gets another code.
std::string refusal_of(const std::string& body) {
  try {
    parse_json_body(body, 32);
  } catch (const ApiError& error) {
    CHECK(error.status() == 400);
    CHECK(error.code() == "invalid_json");
    return error.what();
  }
  FAIL("parsed: " << body);
  return "";
}

}  // namespace

// Proves invalid JSON is described by position and reason, without the parser's codes or a
// copy of what it last read.
TEST_CASE("invalid JSON names where and why, not the parser's internals", "[api]") {
  const std::pair<const char*, const char*> cases[] = {
      {R"({"a":tru})", "invalid literal, while reading value at line 1, column 9 (byte 9)"},
      {"{\"a\":1,\n \"b\" 2}",
       "unexpected number literal; expected ':', while reading object "
       "separator at line 2, column 6 (byte 14)"},
      {"[1,2", "unexpected end of input; expected ']', while reading array at line 1, column 5"},
      {"", "unexpected end of input; expected '[', '{', or a literal"},
      {R"({"a":"\ud800"})", "surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF"},
      {"{\"a\":\"x\ny\"}", "control character U+000A (LF) must be escaped"},
      {"{\"a\":1e400}", "the number '1e400' is out of range (beyond ±1.8e308) at line 1, column 6"},
      {"NaN", "invalid literal"},
  };
  for (const auto& [body, reason] : cases) {
    INFO(body);
    const auto message = refusal_of(body);
    CHECK_THAT(message, Catch::StartsWith("the body is not valid JSON: "));
    CHECK_THAT(message, Catch::Contains(reason));
    CHECK_THAT(message, !Catch::Contains("json.exception") && !Catch::Contains("last read"));
  }
}

// Proves what a client sent is never copied whole into the message: a huge number and a long
// invalid token stay short.
TEST_CASE("invalid JSON messages stay short whatever the body", "[api]") {
  const auto huge_number = "[1" + std::string(10'000, '0') + "]";
  CHECK(refusal_of(huge_number).size() < 200);
  const auto long_literal = "[" + std::string(10'000, 't') + "]";
  CHECK(refusal_of(long_literal).size() < 200);
  CHECK(refusal_of("[\"" + std::string(10'000, 'x') + "\x01\"]").size() < 200);
}

// Proves the exotic but valid bodies parse as JSON says they do.
TEST_CASE("a byte order mark, -0 and 2^64 are valid JSON", "[api]") {
  CHECK(parse_json_body("\xEF\xBB\xBF{\"a\":1}", 32)["a"] == 1);
  CHECK(parse_json_body("-0", 32).is_number());
  CHECK(parse_json_body("18446744073709551616", 32).is_number_float());
  CHECK(parse_json_body("1e-400", 32) == 0.0);
}

TEST_CASE("echoed text is cut at a character boundary with an ellipsis", "[api]") {
  CHECK(echo("abc") == "'abc'");
  CHECK(echo(std::string(64, 'a')) == "'" + std::string(64, 'a') + "'");
  CHECK(echo(std::string(10'000, 'a')) == "'" + std::string(64, 'a') + "…'");
  // 63 ASCII bytes and a 2-byte character across the cut: the character goes whole.
  CHECK(echo(std::string(63, 'a') + "é" + "zzz") == "'" + std::string(63, 'a') + "…'");
}
