// Built-in output checkers: one pass over both outputs, pieces (lines, tokens) are views into
// the caller's strings, and the message is built only on the path that rejects.
#include "judge/checker.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

namespace codearena::judge {
namespace {

// Rendered characters of one value in a message (a little more at a UTF-8 sequence's end).
constexpr size_t kExcerptChars = 50;
// A difference at or past this byte of a value is shown with kContextBefore bytes before it.
constexpr size_t kLateDifference = 30;
constexpr size_t kContextBefore = 20;

// Space, \t, \n, \v, \f or \r: the characters between tokens.
bool is_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::string_view strip_trailing(std::string_view text, const char* characters) {
  const size_t last = text.find_last_not_of(characters);
  return last == std::string_view::npos ? std::string_view() : text.substr(0, last + 1);
}

// Walks the lines of an output under the default checker: trailing whitespace of each line and
// trailing empty lines are gone before anyone sees them.
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : rest_(strip_trailing(text, " \t\r\n")) {}

  // Sets `line` to the next line and returns true, or returns false at the end.
  bool next(std::string_view& line) {
    if (rest_.empty()) return false;
    const size_t end = rest_.find('\n');
    line = strip_trailing(rest_.substr(0, end), " \t\r");
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    ++count_;
    return true;
  }

  size_t count() const { return count_; }  // Lines handed out so far.

 private:
  std::string_view rest_;  // Ends in a non-whitespace character, or is empty.
  size_t count_ = 0;
};

// Walks the whitespace-separated tokens of an output.
class TokenCursor {
 public:
  explicit TokenCursor(std::string_view text) : rest_(text) {}

  // Sets `token` to the next token and returns true, or returns false at the end.
  bool next(std::string_view& token) {
    size_t begin = 0;
    while (begin < rest_.size() && is_space(rest_[begin])) ++begin;
    if (begin == rest_.size()) return false;
    size_t end = begin + 1;
    while (end < rest_.size() && !is_space(rest_[end])) ++end;
    token = rest_.substr(begin, end - begin);
    rest_.remove_prefix(end);
    ++count_;
    return true;
  }

  size_t count() const { return count_; }  // Tokens handed out so far.

 private:
  std::string_view rest_;
  size_t count_ = 0;
};

template <typename Cursor>
size_t count_all(Cursor& cursor) {
  std::string_view ignored;
  while (cursor.next(ignored)) {
  }
  return cursor.count();
}

std::string quantity(size_t count, const char* unit) {
  return std::to_string(count) + " " + unit + (count == 1 ? "" : "s");
}

void append_escaped(std::string& out, char c) {
  if (c == '\n') {
    out += "\\n";
  } else if (c == '\t') {
    out += "\\t";
  } else if (c == '\r') {
    out += "\\r";
  } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned char>(c));
    out += escaped;
  } else {
    out += c;
  }
}

// Where excerpts start so that a difference at byte `focus` is visible.
size_t excerpt_start(size_t focus) {
  return focus < kLateDifference ? 0 : focus - kContextBefore;
}

// `value` from byte `start` for a message: control characters escaped, "..." where cut, never
// cutting a UTF-8 sequence.
std::string excerpt(std::string_view value, size_t start) {
  while (start < value.size() && is_utf8_continuation(value[start])) ++start;
  std::string out = start > 0 ? "..." : "";
  size_t i = start;
  while (i < value.size() && (out.size() < kExcerptChars || is_utf8_continuation(value[i]))) {
    append_escaped(out, value[i++]);
  }
  if (i < value.size()) out += "...";
  return out;
}

size_t first_difference(std::string_view a, std::string_view b) {
  const size_t common = std::min(a.size(), b.size());
  return std::mismatch(a.begin(), a.begin() + common, b.begin()).first - a.begin();
}

// "<where>: expected '<expected>', got '<actual>'", with the position of the first differing
// byte added to `where` when the excerpts do not start at the beginning.
std::string mismatch_message(std::string where, std::string_view expected,
                             std::string_view actual) {
  const size_t focus = first_difference(expected, actual);
  const size_t start = excerpt_start(focus);
  if (start > 0) where += ", character " + std::to_string(focus + 1);
  return where + ": expected '" + excerpt(expected, start) + "', got '" + excerpt(actual, start) +
         "'";
}

// Compares two outputs piece by piece. `judge(index, expected, actual)` returns std::nullopt
// when a pair matches, else the rejection message.
template <typename Cursor, typename Judge>
CheckOutcome compare_pieces(std::string_view expected, std::string_view actual, const char* unit,
                            const Judge& judge) {
  Cursor expected_cursor(expected), actual_cursor(actual);
  std::string_view expected_piece, actual_piece;
  while (true) {
    const bool has_expected = expected_cursor.next(expected_piece);
    const bool has_actual = actual_cursor.next(actual_piece);
    if (!has_expected || !has_actual) {
      if (has_expected == has_actual) return {true, ""};
      return {false, "expected " + quantity(count_all(expected_cursor), unit) + ", got " +
                         std::to_string(count_all(actual_cursor))};
    }
    if (auto message = judge(expected_cursor.count(), expected_piece, actual_piece)) {
      return {false, *message};
    }
  }
}

// Judges pieces that must be equal; `label` names them in the message ("line", "token").
auto equal_pieces(const char* label) {
  return [label](size_t index, std::string_view expected,
                 std::string_view actual) -> std::optional<std::string> {
    if (expected == actual) return std::nullopt;
    return mismatch_message(std::string(label) + " " + std::to_string(index), expected, actual);
  };
}

CheckOutcome compare_exact(std::string_view expected, std::string_view actual) {
  if (expected == actual) return {true, ""};
  const size_t offset = first_difference(expected, actual);
  const auto line = 1 + std::count(expected.begin(), expected.begin() + offset, '\n');
  std::string message;
  if (expected.size() != actual.size()) {
    message = "expected " + quantity(expected.size(), "byte") + ", got " +
              std::to_string(actual.size()) + "; ";
  }
  const size_t start = excerpt_start(offset);
  message += "byte " + std::to_string(offset + 1) + " (line " + std::to_string(line) +
             "): expected '" + excerpt(expected, start) + "', got '" + excerpt(actual, start) + "'";
  return {false, message};
}

// The value of `token` if strtod reads all of it as a finite number. from_chars gives the same
// value for the usual spellings without a copy; the rest ("+5", "0x1p3", underflow) goes to
// strtod, with `buffer` as scratch space for the NUL-terminated copy it needs.
std::optional<double> parse_number(std::string_view token, std::string& buffer) {
  double value = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size()) {
    buffer.assign(token);
    char* strtod_end = nullptr;
    value = std::strtod(buffer.c_str(), &strtod_end);
    if (strtod_end != buffer.c_str() + buffer.size()) return std::nullopt;
  }
  if (!std::isfinite(value)) return std::nullopt;
  return value;
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

CheckOutcome compare_float(const CheckerSpec& spec, std::string_view expected,
                           std::string_view actual) {
  std::string buffer;
  const auto exact_tokens = equal_pieces("token");
  const auto judge = [&](size_t index, std::string_view expected_token,
                         std::string_view actual_token) -> std::optional<std::string> {
    if (expected_token == actual_token) return std::nullopt;
    const auto expected_number = parse_number(expected_token, buffer);
    const auto actual_number = expected_number ? parse_number(actual_token, buffer) : std::nullopt;
    if (!actual_number) return exact_tokens(index, expected_token, actual_token);
    const double difference = std::fabs(*expected_number - *actual_number);
    if (difference <= spec.absolute_epsilon ||
        difference <= spec.relative_epsilon * std::fabs(*expected_number)) {
      return std::nullopt;
    }
    return "token " + std::to_string(index) + ": expected " + excerpt(expected_token, 0) +
           ", got " + excerpt(actual_token, 0) + " (difference " + format_number(difference) +
           " exceeds the tolerance)";
  };
  return compare_pieces<TokenCursor>(expected, actual, "token", judge);
}

}  // namespace

CheckOutcome compare_output(const CheckerSpec& spec, const std::string& expected,
                            const std::string& actual) {
  switch (spec.kind) {
    case CheckerKind::kDefault:
      return compare_pieces<LineCursor>(expected, actual, "line", equal_pieces("line"));
    case CheckerKind::kExact:
      return compare_exact(expected, actual);
    case CheckerKind::kTokens:
      return compare_pieces<TokenCursor>(expected, actual, "token", equal_pieces("token"));
    case CheckerKind::kFloat:
      return compare_float(spec, expected, actual);
    case CheckerKind::kCustom:
      break;
  }
  throw std::invalid_argument(std::string("compare_output: no built-in checker for kind '") +
                              checker_kind_name(spec.kind) + "'; the judge runs custom checkers");
}

}  // namespace codearena::judge
