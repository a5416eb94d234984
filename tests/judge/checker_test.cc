// Checkers through the judge: each built-in kind accepting and rejecting what it should, and
// custom checker programs (Python and C++) deciding verdicts, or failing as IE.
#include <catch2/catch.hpp>

#include "tests/judge/judge_test_support.h"

using Catch::Matchers::Contains;

namespace {

// A Python program that prints its stdin unchanged: each test's input is the "output" to check.
const char kEcho[] = "import sys\nsys.stdout.write(sys.stdin.read())\n";

// Judges kEcho with `checker` on tests of (output to produce, expected output).
JudgeResult judge_echo(const CheckerSpec& checker,
                       const std::vector<std::pair<std::string, std::string>>& outputs) {
  JudgeRequest request;
  request.language = "python";
  request.source = kEcho;
  request.checker = checker;
  for (const auto& [actual, expected] : outputs) request.tests.push_back({actual, expected});
  return shared_judge().judge(request);
}

CheckerSpec checker_of(CheckerKind kind) {
  CheckerSpec spec;
  spec.kind = kind;
  return spec;
}

std::vector<Verdict> verdicts(const JudgeResult& result) {
  std::vector<Verdict> list;
  for (const auto& test : result.tests) list.push_back(test.verdict);
  return list;
}

// Custom checkers that accept an answer with the parity of a+b. Each reads all three files: the
// input gives a and b, the expected output must be a+b (else the checker fails with exit 3),
// and the answer must be a number of the same parity (else exit 1, wrong answer).
const char kParityCheckerPython[] = R"(import sys
a, b = map(int, open('input.txt').read().split())
if int(open('expected.txt').read()) != a + b:
    print('expected.txt does not hold a+b')
    sys.exit(3)
try:
    answer = int(open('actual.txt').read())
except ValueError:
    print('not a number')
    sys.exit(1)
if (answer - (a + b)) % 2 != 0:
    print('parity differs')
    sys.exit(1)
)";

const char kParityCheckerCpp[] = R"(#include <fstream>
#include <iostream>
int main() {
  long long a = 0, b = 0, expected = 0, answer = 0;
  std::ifstream input("input.txt"), expected_file("expected.txt"), actual("actual.txt");
  if (!(input >> a >> b) || !(expected_file >> expected) || expected != a + b) {
    std::cout << "bad input.txt or expected.txt\n";
    return 3;
  }
  if (!(actual >> answer)) {
    std::cout << "not a number\n";
    return 1;
  }
  if ((answer - (a + b)) % 2 != 0) {
    std::cout << "parity differs\n";
    return 1;
  }
  return 0;
}
)";

// Python solutions: a+b+2 is wrong for the built-in checkers but has the right parity; the
// second is right on "1 2" and off by one on "10 20".
const char kSumPlusTwo[] = "a, b = map(int, input().split())\nprint(a + b + 2)\n";
const char kOffByOneOnTest2[] = "a, b = map(int, input().split())\nprint(a + b + (a > 5))\n";

JudgeResult judge_with_custom(const std::string& solution, const std::string& checker_language,
                              const std::string& checker_source) {
  JudgeRequest request;
  request.language = "python";
  request.source = solution;
  request.tests = sum_tests();
  request.checker.kind = CheckerKind::kCustom;
  request.checker.custom_language = checker_language;
  request.checker.custom_source = checker_source;
  return shared_judge().judge(request);
}

}  // namespace

// Proves the default checker ignores trailing spaces, tabs and blank lines but not leading
// whitespace or different content.
TEST_CASE("default checker: trailing whitespace and blank lines are accepted") {
  const auto result = judge_echo(checker_of(CheckerKind::kDefault), {{"3  \n4\t\n\n\n", "3\n4\n"},
                                                                     {"3\r\n4", "3\n4\n"},
                                                                     {" 3\n4\n", "3\n4\n"},
                                                                     {"3\n5\n", "3\n4\n"}});
  INFO(describe(result));
  CHECK(verdicts(result) == std::vector<Verdict>{Verdict::kAccepted, Verdict::kAccepted,
                                                 Verdict::kWrongAnswer, Verdict::kWrongAnswer});
  CHECK(result.verdict == Verdict::kWrongAnswer);
  CHECK(result.passed == 2);
  CHECK_THAT(result.message, Contains("test 2:"));
  CHECK_THAT(result.tests[3].message, Contains("line 2"));
}

// Proves the exact checker accepts only byte-identical output: a trailing space or an extra
// blank line is WA there.
TEST_CASE("exact checker: trailing spaces and blank lines are rejected") {
  const auto result =
      judge_echo(checker_of(CheckerKind::kExact),
                 {{"3\n4\n", "3\n4\n"}, {"3 \n4\n", "3\n4\n"}, {"3\n4\n\n", "3\n4\n"}});
  INFO(describe(result));
  CHECK(verdicts(result) ==
        std::vector<Verdict>{Verdict::kAccepted, Verdict::kWrongAnswer, Verdict::kWrongAnswer});
  CHECK(result.passed == 1);
  CHECK(result.total == 3);
}

// Proves the tokens checker compares whitespace-separated tokens, whatever the layout.
TEST_CASE("tokens checker: a different layout of the same tokens is accepted") {
  const auto result = judge_echo(checker_of(CheckerKind::kTokens), {{"1\n2   3", "1 2 3\n"},
                                                                    {"\t1 2\n\n3\n", "1 2 3\n"},
                                                                    {"1 2 4\n", "1 2 3\n"},
                                                                    {"1 2\n", "1 2 3\n"}});
  INFO(describe(result));
  CHECK(verdicts(result) == std::vector<Verdict>{Verdict::kAccepted, Verdict::kAccepted,
                                                 Verdict::kWrongAnswer, Verdict::kWrongAnswer});
  CHECK(result.passed == 2);
}

// Proves the float checker accepts numbers within its epsilon (0.1000001 for 0.1) and rejects
// ones beyond it (0.2), while words still have to match exactly; and the same outputs are WA
// under the default checker.
TEST_CASE("float checker: 0.1000001 is accepted for 0.1, 0.2 is not") {
  const std::vector<std::pair<std::string, std::string>> outputs = {
      {"0.1000001\n", "0.1\n"},
      {"answer 1e-1\n", "answer 0.1\n"},
      {"0.2\n", "0.1\n"},
      {"Answer 0.1\n", "answer 0.1\n"}};
  const auto result = judge_echo(checker_of(CheckerKind::kFloat), outputs);
  INFO(describe(result));
  CHECK(verdicts(result) == std::vector<Verdict>{Verdict::kAccepted, Verdict::kAccepted,
                                                 Verdict::kWrongAnswer, Verdict::kWrongAnswer});
  CHECK(result.passed == 2);

  const auto strict = judge_echo(checker_of(CheckerKind::kDefault), {outputs[0]});
  CHECK(strict.verdict == Verdict::kWrongAnswer);

  CheckerSpec loose = checker_of(CheckerKind::kFloat);
  loose.absolute_epsilon = loose.relative_epsilon = 0.5;
  CHECK(judge_echo(loose, {outputs[2]}).verdict == Verdict::kAccepted);
}

// Proves a custom checker decides the verdict: the Python and the C++ parity checkers accept
// a+b+2 (WA for the built-in checkers) and reject an answer of the wrong parity with their own
// message; both read input.txt, expected.txt and actual.txt from their working folder.
TEST_CASE("custom checker: a parity checker in Python and in C++ decides the verdict") {
  const auto language = GENERATE(as<std::string>{}, "python", "cpp");
  const std::string checker = language == "python" ? kParityCheckerPython : kParityCheckerCpp;
  INFO("checker language: " << language);

  const auto same_parity = judge_with_custom(kSumPlusTwo, language, checker);
  INFO(describe(same_parity));
  CHECK(same_parity.verdict == Verdict::kAccepted);
  CHECK(same_parity.passed == 2);
  REQUIRE(same_parity.tests.size() == 2);
  CHECK(same_parity.tests[1].stdout_data == "32\n");

  const auto mixed = judge_with_custom(kOffByOneOnTest2, language, checker);
  INFO(describe(mixed));
  CHECK(mixed.verdict == Verdict::kWrongAnswer);
  CHECK(verdicts(mixed) == std::vector<Verdict>{Verdict::kAccepted, Verdict::kWrongAnswer});
  CHECK_THAT(mixed.tests[1].message, Contains("parity differs"));
}

// Proves a checker that fails (exit 3, neither accept nor reject) makes the test IE, not WA,
// with a message saying the checker failed.
TEST_CASE("custom checker: a checker exiting 3 is IE") {
  const auto result = judge_with_custom(kSumPlusTwo, "python",
                                        "import sys\nprint('checker is broken')\nsys.exit(3)\n");
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kInternalError);
  CHECK(result.passed == 0);
  REQUIRE_FALSE(result.tests.empty());
  CHECK(result.tests[0].verdict == Verdict::kInternalError);
  CHECK_THAT(result.tests[0].message, Contains("custom checker failed"));
}

// Proves a C++ checker that does not compile is IE naming the compilation, and that a checker
// in an unknown language is refused with JudgeError before anything runs.
TEST_CASE("custom checker: uncompilable checker is IE, unknown checker language is refused") {
  const auto result = judge_with_custom(kSumPlusTwo, "cpp", "int main() { return nope; }\n");
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kInternalError);
  REQUIRE_FALSE(result.tests.empty());
  CHECK_THAT(result.tests[0].message, Contains("does not compile") && Contains("nope"));

  CHECK_THROWS_MATCHES(judge_with_custom(kSumPlusTwo, "cobol", "whatever"), JudgeError,
                       Catch::Matchers::Message("unknown language 'cobol' for the custom checker"));
}
