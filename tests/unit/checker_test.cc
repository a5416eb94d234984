// Built-in output checkers: what each kind accepts, what it rejects, and what the message says.
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "judge/checker.h"

using namespace codearena::judge;
using Catch::Matchers::Contains;

namespace {

CheckOutcome check(CheckerKind kind, const std::string& expected, const std::string& actual) {
  CheckerSpec spec;
  spec.kind = kind;
  return compare_output(spec, expected, actual);
}

CheckOutcome check_float(const std::string& expected, const std::string& actual,
                         double absolute_epsilon = 1e-6, double relative_epsilon = 1e-6) {
  CheckerSpec spec;
  spec.kind = CheckerKind::kFloat;
  spec.absolute_epsilon = absolute_epsilon;
  spec.relative_epsilon = relative_epsilon;
  return compare_output(spec, expected, actual);
}

// Whether every multi-byte sequence in `text` is complete (messages must not cut one).
bool complete_utf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const size_t length = lead < 0x80    ? 1
                          : lead >= 0xF0 ? 4
                          : lead >= 0xE0 ? 3
                          : lead >= 0xC0 ? 2
                                         : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

// "1\n2\n...\n<count>\n", with line `changed_line` (1-based) replaced by `replacement` if set.
std::string numbered_lines(int count, int changed_line = 0, const std::string& replacement = "",
                           const std::string& line_end = "\n") {
  std::string text;
  for (int i = 1; i <= count; ++i) {
    text += (i == changed_line ? replacement : std::to_string(i)) + line_end;
  }
  return text;
}

}  // namespace

TEST_CASE("checker kinds parse from and print to their names") {
  for (auto kind : {CheckerKind::kDefault, CheckerKind::kExact, CheckerKind::kTokens,
                    CheckerKind::kFloat, CheckerKind::kCustom}) {
    CHECK(parse_checker_kind(checker_kind_name(kind)) == kind);
  }
  CHECK(std::string(checker_kind_name(CheckerKind::kTokens)) == "tokens");
  CHECK(parse_checker_kind("float") == CheckerKind::kFloat);
  CHECK_FALSE(parse_checker_kind(""));
  CHECK_FALSE(parse_checker_kind("Default"));
  CHECK_FALSE(parse_checker_kind("floats"));
}

TEST_CASE("custom checkers are not compared here") {
  CheckerSpec spec;
  spec.kind = CheckerKind::kCustom;
  spec.custom_language = "cpp17";
  spec.custom_source = "int main() {}";
  CHECK_THROWS_AS(compare_output(spec, "1", "1"), std::invalid_argument);
}

TEST_CASE("default checker accepts equal lines and names the first differing line") {
  const auto same = check(CheckerKind::kDefault, "1\n2\n3\n", "1\n2\n3\n");
  CHECK(same.accepted);
  CHECK(same.message.empty());

  const auto differ = check(CheckerKind::kDefault, "1\n2\n3\n", "1\n2\n4\n");
  CHECK_FALSE(differ.accepted);
  CHECK(differ.message == "line 3: expected '3', got '4'");

  const auto fewer = check(CheckerKind::kDefault, "1\n2\n", "1\n");
  CHECK_FALSE(fewer.accepted);
  CHECK(fewer.message == "expected 2 lines, got 1");
  CHECK(check(CheckerKind::kDefault, "1\n", "1\n2\n").message == "expected 1 line, got 2");
}

TEST_CASE("default checker ignores trailing whitespace and trailing blank lines only") {
  CHECK(check(CheckerKind::kDefault, "a b\nc\n", "a b  \t\r\nc\n\n\n  \n").accepted);
  CHECK(check(CheckerKind::kDefault, "a b  \n\n", "a b").accepted);

  const auto inner_space = check(CheckerKind::kDefault, "a b", "a  b");
  CHECK_FALSE(inner_space.accepted);
  CHECK(inner_space.message == "line 1: expected 'a b', got 'a  b'");

  const auto inner_blank = check(CheckerKind::kDefault, "a\n\nb\n", "a\nb\n");
  CHECK_FALSE(inner_blank.accepted);
  CHECK(inner_blank.message == "line 2: expected '', got 'b'");
}

TEST_CASE("default checker: leading whitespace matters") {
  const auto outcome = check(CheckerKind::kDefault, "5\n", " 5\n");
  CHECK_FALSE(outcome.accepted);
  CHECK(outcome.message == "line 1: expected '5', got ' 5'");
  CHECK_FALSE(check(CheckerKind::kDefault, "\tx", "x").accepted);
}

TEST_CASE("default checker treats CRLF as LF") {
  CHECK(check(CheckerKind::kDefault, "1\r\n2\r\n", "1\n2").accepted);
  CHECK(check(CheckerKind::kDefault, "1\n2\n", "1\r\n2\r\n\r\n").accepted);
  CHECK(check(CheckerKind::kDefault, "1\r\n2\r\n", "1\r\n3\r\n").message ==
        "line 2: expected '2', got '3'");
}

TEST_CASE("checkers on empty outputs") {
  CHECK(check(CheckerKind::kDefault, "", "").accepted);
  CHECK(check(CheckerKind::kDefault, "", "\n").accepted);
  CHECK(check(CheckerKind::kDefault, "\n", "").accepted);
  CHECK(check(CheckerKind::kDefault, "", " \r\n\n\t").accepted);
  CHECK(check(CheckerKind::kDefault, "", "0").message == "expected 0 lines, got 1");

  CHECK(check(CheckerKind::kExact, "", "").accepted);
  const auto exact = check(CheckerKind::kExact, "", "\n");
  CHECK_FALSE(exact.accepted);
  CHECK(exact.message == "expected 0 bytes, got 1; byte 1 (line 1): expected '', got '\\n'");

  CHECK(check(CheckerKind::kTokens, "", " \n\t").accepted);
  CHECK(check(CheckerKind::kTokens, "", "x").message == "expected 0 tokens, got 1");
  CHECK(check_float("\n", "").accepted);
}

TEST_CASE("checker messages shorten long values around the first difference") {
  const std::string prefix(1000, 'x');
  const std::string context = "..." + std::string(20, 'x');  // What an excerpt shows before.
  const auto outcome = check(CheckerKind::kDefault, prefix + "a" + prefix, prefix + "b" + prefix);
  CHECK_FALSE(outcome.accepted);
  CHECK_THAT(outcome.message, Contains("line 1, character 1001: expected '" + context + "a"));
  CHECK_THAT(outcome.message, Contains("', got '" + context + "b"));
  CHECK_THAT(outcome.message, Contains("...'"));
  CHECK(outcome.message.size() <= 200);

  const auto tokens = check(CheckerKind::kTokens, "1 " + prefix + "a", "1 " + prefix + "b");
  CHECK_THAT(tokens.message, Contains("token 2, character 1001: expected '" + context + "a'"));
  CHECK(tokens.message.size() <= 200);

  const auto exact = check(CheckerKind::kExact, prefix + "a", prefix + "b");
  CHECK_THAT(exact.message, Contains("byte 1001 (line 1): expected '" + context + "a'"));
  CHECK(exact.message.size() <= 200);

  const auto numbers = check_float("1 " + std::string(300, '9'), "1 " + std::string(300, '8'));
  CHECK_THAT(numbers.message, Contains("token 2: expected 999"));
  CHECK(numbers.message.size() <= 200);

  const auto starts_early = check(CheckerKind::kDefault, "a" + prefix, "b" + prefix);
  CHECK_THAT(starts_early.message, Contains("line 1: expected 'axxx"));
  CHECK(starts_early.message.size() <= 200);
}

TEST_CASE("checker messages escape control characters and keep UTF-8 sequences whole") {
  const auto control = check(CheckerKind::kExact, std::string("a\x01\tb", 4), "a\x02\tb");
  CHECK(control.message == "byte 2 (line 1): expected 'a\\x01\\tb', got 'a\\x02\\tb'");

  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "\xC3\xA9";  // "é"
  for (auto kind : {CheckerKind::kDefault, CheckerKind::kExact, CheckerKind::kTokens}) {
    for (const std::string& tail : {std::string("!"), std::string("")}) {
      const auto outcome = check(kind, accents + "ab" + accents + tail, accents + "ac" + accents);
      CHECK_FALSE(outcome.accepted);
      CHECK(complete_utf8(outcome.message));
      CHECK(outcome.message.size() <= 220);
    }
  }
}

TEST_CASE("exact checker compares bytes") {
  CHECK(check(CheckerKind::kExact, "hello\nworld\n", "hello\nworld\n").accepted);

  const auto differ = check(CheckerKind::kExact, "hello\nworld\n", "hello\nworle\n");
  CHECK_FALSE(differ.accepted);
  CHECK(differ.message == "byte 11 (line 2): expected 'hello\\nworld\\n', got 'hello\\nworle\\n'");

  const auto missing_newline = check(CheckerKind::kExact, "5\n", "5");
  CHECK_FALSE(missing_newline.accepted);
  CHECK(missing_newline.message ==
        "expected 2 bytes, got 1; byte 2 (line 1): expected '5\\n', got '5'");

  const auto crlf = check(CheckerKind::kExact, "5\n", "5\r\n");
  CHECK_FALSE(crlf.accepted);
  CHECK(crlf.message == "expected 2 bytes, got 3; byte 2 (line 1): expected '5\\n', got '5\\r\\n'");

  CHECK_FALSE(check(CheckerKind::kExact, "5", "5 ").accepted);
  CHECK_FALSE(check(CheckerKind::kExact, "5", " 5").accepted);
}

TEST_CASE("tokens checker ignores layout") {
  CHECK(check(CheckerKind::kTokens, "1 2 3\n4 5", "  1\n2\t\t3\r\n\v4\f5  \n\n").accepted);

  const auto differ = check(CheckerKind::kTokens, "1 2 3\n4 5 6 7", "1\n2\t3 4  5 6 x");
  CHECK_FALSE(differ.accepted);
  CHECK(differ.message == "token 7: expected '7', got 'x'");

  const auto more = check(CheckerKind::kTokens, "1 2", "1 2 3");
  CHECK_FALSE(more.accepted);
  CHECK(more.message == "expected 2 tokens, got 3");
  CHECK(check(CheckerKind::kTokens, "a b c", "a\nb").message == "expected 3 tokens, got 2");

  // Numbers are words here: no numeric equality.
  CHECK(check(CheckerKind::kTokens, "1.0", "1").message == "token 1: expected '1.0', got '1'");
}

TEST_CASE("float checker accepts numbers within the absolute epsilon") {
  CHECK(check_float("1.5 2.0\n", "1.5000005\n2.0").accepted);
  CHECK(check_float("1.0", "1.0000009").accepted);
  CHECK(check_float("0", "-0.0000009").accepted);
  CHECK(check_float("1.0", "1.05", 0.1, 0).accepted);

  const auto near_miss = check_float("1.0", "1.0000011");
  CHECK_FALSE(near_miss.accepted);
  CHECK(near_miss.message ==
        "token 1: expected 1.0, got 1.0000011 (difference 1.1e-06 exceeds the tolerance)");

  const auto example = check_float("a b 1.5", "a b 1.6");
  CHECK_FALSE(example.accepted);
  CHECK(example.message == "token 3: expected 1.5, got 1.6 (difference 0.1 exceeds the tolerance)");
}

TEST_CASE("float checker accepts numbers within the relative epsilon") {
  CHECK(check_float("1000000", "1000000.9").accepted);     // 0.9 <= 1e-6 * 1e6
  CHECK(check_float("-1e12", "-1000000500000").accepted);  // 5e5 <= 1e-6 * 1e12
  CHECK(check_float("2", "2.5", 0, 0.25).accepted);

  const auto near_miss = check_float("1000000", "1000001.5");
  CHECK_FALSE(near_miss.accepted);
  CHECK(near_miss.message ==
        "token 1: expected 1000000, got 1000001.5 (difference 1.5 exceeds the tolerance)");

  // The tolerance is relative to the expected value, not the actual one.
  CHECK(check_float("2", "3", 0, 0.4).accepted == false);
  CHECK(check_float("3", "2", 0, 0.4).accepted);

  CHECK(check_float("1", "1.0000001", 0, 0).message ==
        "token 1: expected 1, got 1.0000001 (difference 1e-07 exceeds the tolerance)");
  CHECK(check_float("1", "1.000", 0, 0).accepted);
}

TEST_CASE("float checker reads the usual number spellings") {
  CHECK(check_float("0.001", "1e-3").accepted);
  CHECK(check_float("0", "-0").accepted);
  CHECK(check_float("5", "+5").accepted);
  CHECK(check_float("-2.50", "-2.5").accepted);
  CHECK(check_float("1E+2", "100.").accepted);
  CHECK(check_float("0", "1e-400").accepted);  // Underflows to zero: still a finite number.
  CHECK(check_float("16", "0x10").accepted);   // strtod's syntax includes hexadecimal.
}

TEST_CASE("float checker compares non-numeric tokens exactly") {
  CHECK(check_float("YES 3.0\n", "YES 3").accepted);
  CHECK(check_float("yes 3.0", "YES 3.0").message == "token 1: expected 'yes', got 'YES'");
  CHECK(check_float("1.0", "1.0x").message == "token 1: expected '1.0', got '1.0x'");
  CHECK(check_float("1e", "1").message == "token 1: expected '1e', got '1'");
  CHECK(check_float("1 2", "1").message == "expected 2 tokens, got 1");
}

TEST_CASE("float checker does not treat nan or inf as numbers") {
  CHECK(check_float("nan", "nan").accepted);
  CHECK(check_float("inf -inf", "inf -inf").accepted);
  CHECK(check_float("nan", "NaN").message == "token 1: expected 'nan', got 'NaN'");
  CHECK(check_float("nan", "0").message == "token 1: expected 'nan', got '0'");
  CHECK(check_float("0", "nan").message == "token 1: expected '0', got 'nan'");
  CHECK(check_float("inf", "infinity").message == "token 1: expected 'inf', got 'infinity'");
  CHECK(check_float("1e400", "1e401").message == "token 1: expected '1e400', got '1e401'");
}

TEST_CASE("checkers handle a million lines") {
  constexpr int kLines = 1'000'000;
  const std::string expected = numbered_lines(kLines);

  CHECK(check(CheckerKind::kExact, expected, expected).accepted);
  CHECK(check(CheckerKind::kDefault, expected, numbered_lines(kLines, 0, "", " \r\n")).accepted);
  CHECK(check(CheckerKind::kTokens, expected, numbered_lines(kLines, 0, "", " ")).accepted);
  CHECK(check_float(expected, numbered_lines(kLines, 0, "", ".0000001\n")).accepted);

  const std::string changed = numbered_lines(kLines, 765432, "765433");
  CHECK(check(CheckerKind::kDefault, expected, changed).message ==
        "line 765432: expected '765432', got '765433'");
  CHECK(check(CheckerKind::kTokens, expected, changed).message ==
        "token 765432: expected '765432', got '765433'");
  CHECK(check_float(expected, changed).message ==
        "token 765432: expected 765432, got 765433 (difference 1 exceeds the tolerance)");
  const auto exact = check(CheckerKind::kExact, expected, changed).message;
  CHECK_THAT(exact, Contains("(line 765432): expected '..."));
  CHECK_THAT(exact, Contains("765431\\n765432\\n"));
  CHECK_THAT(exact, Contains("765431\\n765433\\n"));

  const std::string shorter = expected.substr(0, expected.size() - std::string("1000000\n").size());
  CHECK(check(CheckerKind::kDefault, expected, shorter).message ==
        "expected 1000000 lines, got 999999");
  CHECK(check(CheckerKind::kTokens, shorter, expected).message ==
        "expected 999999 tokens, got 1000000");
}
