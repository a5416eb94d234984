#include "http/json_body.h"

#include <algorithm>
#include <string_view>

#include "http/api_error.h"
#include "http/echo_text.h"

namespace codearena::http {
namespace {

using nlohmann::json;

ApiError invalid_json(const std::string& problem) {
  return ApiError(400, "invalid_json", "the body is not valid JSON: " + problem);
}

// "line 2, column 7 (byte 12)" for the 0-based `offset` into `body`.
std::string where(const std::string& body, std::size_t offset) {
  offset = std::min(offset, body.size());
  const auto head = std::string_view(body).substr(0, offset);
  const auto line = 1 + std::count(head.begin(), head.end(), '\n');
  const auto line_start = head.rfind('\n');
  const auto column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  return "line " + std::to_string(line) + ", column " + std::to_string(column) + " (byte " +
         std::to_string(offset + 1) + ")";
}

// The parser's reason without its code, position and the copy of the text it last read:
// "[json.exception.parse_error.101] parse error at line 1, column 9: syntax error while parsing
// value - invalid literal; last read: '...'" becomes "invalid literal, while reading a value".
std::string syntax_reason(std::string_view what) {
  constexpr std::string_view kContext = "syntax error while parsing ", kLastRead = "; last read: '",
                             kExpected = "; expected ";
  const auto dash = what.find(" - ");
  if (dash == std::string_view::npos) return "syntax error";
  std::string context;
  if (const auto at = what.find(kContext); at != std::string_view::npos && at < dash) {
    context = std::string(what.substr(at + kContext.size(), dash - at - kContext.size()));
  }
  auto reason = what.substr(dash + 3);
  std::string expected;
  if (const auto last_read = reason.find(kLastRead); last_read != std::string_view::npos) {
    // What the parser expected follows the text it read; that text may hold anything.
    if (const auto wanted = reason.rfind(kExpected);
        wanted != std::string_view::npos && wanted > last_read && reason[wanted - 1] == '\'') {
      expected = std::string(reason.substr(wanted));
    }
    reason = reason.substr(0, last_read);
  }
  auto text = std::string(reason) + expected;
  if (!context.empty()) text += ", while reading " + context;
  return text;
}

// A number the parser read but a double cannot hold; its text is quoted from the parser's
// message ("number overflow parsing '1e400'") and found in the body for its position.
std::string overflow_problem(const std::string& body, std::string_view what) {
  const auto open = what.find('\'');
  const auto close = what.rfind('\'');
  if (open == std::string_view::npos || close <= open) return "a number is out of range";
  const auto number = what.substr(open + 1, close - open - 1);
  std::string problem = "the number " + echo(number) + " is out of range (beyond ±1.8e308)";
  if (const auto at = body.find(number); at != std::string::npos) {
    problem += " at " + where(body, at);
  }
  return problem;
}

}  // namespace

json parse_json_body(const std::string& body, int max_nesting) {
  const auto refuse_deep_nesting = [max_nesting](int depth, json::parse_event_t event, json&) {
    const bool opens =
        event == json::parse_event_t::object_start || event == json::parse_event_t::array_start;
    if (opens && depth >= max_nesting) {
      throw invalid_json("arrays and objects nest more than " + std::to_string(max_nesting) +
                         " levels deep");
    }
    return true;
  };
  try {
    return json::parse(body, refuse_deep_nesting);
  } catch (const json::parse_error& error) {
    throw invalid_json(syntax_reason(error.what()) + " at " +
                       where(body, error.byte == 0 ? 0 : error.byte - 1));
  } catch (const json::out_of_range& error) {
    throw invalid_json(overflow_problem(body, error.what()));
  } catch (const json::exception& error) {
    const std::string_view what = error.what();
    throw invalid_json(std::string(what.substr(what.find("] ") + 2)));
  }
}

}  // namespace codearena::http
