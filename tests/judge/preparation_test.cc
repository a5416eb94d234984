// Jobs whose preparation is hostile or fails: Java sources built to break the search for the
// main class, at the code size limit, and a language whose command cannot run. Each ends with
// a verdict of its own (CE for sources javac refuses) and this process goes on.
#include <catch2/catch.hpp>

#include "tests/judge/judge_test_support.h"

using Catch::Matchers::Contains;

namespace {

// MAX_CODE_SIZE's default: the largest source the API lets through.
constexpr size_t kCodeLimit = 64 * 1024;

const char kMainBody[] =
    "{ public static void main(String[] args) { System.out.println(\"ran\"); } }\n";

JudgeResult judge_java(const std::string& source) {
  REQUIRE(source.size() <= kCodeLimit);
  JudgeRequest request;
  request.language = "java";
  request.source = source;
  return shared_judge().judge(request);
}

// Appends copies of `unit` to `prefix` up to `size` bytes in all.
std::string filled(std::string prefix, const std::string& unit, size_t size) {
  while (prefix.size() + unit.size() <= size) prefix += unit;
  return prefix;
}

}  // namespace

// Proves a public class whose name is 60 KB long is a clean CE: the name is no file name, so
// the source is saved under the default class and javac reports the class (its message, which
// repeats the name, is cut at the compile output limit).
TEST_CASE("java: a 60 KB class name is a compilation error") {
  const auto result = judge_java("public class " + std::string(60 * 1024, 'N') + kMainBody);
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kCompilationError);
  CHECK_THAT(result.compile_output, Contains("Main.java:1: error: class NNNN"));
}

// Proves 60 KB of spaces (and of comments) between `public` and `class` still find the class.
TEST_CASE("java: 60 KB between public and class is judged") {
  const auto spaced = judge_java("public" + std::string(60 * 1024, ' ') + "class Spaced" + kMainBody);
  INFO(describe(spaced));
  CHECK(spaced.verdict == Verdict::kAccepted);
  REQUIRE(spaced.tests.size() == 1);
  CHECK(spaced.tests[0].stdout_data == "ran\n");

  const auto commented =
      judge_java(filled("public ", "/* class Decoy */ ", 60 * 1024) + "class Real" + kMainBody);
  INFO(describe(commented));
  CHECK(commented.verdict == Verdict::kAccepted);
}

// Proves sources that never close a comment, a literal or a brace, or consist of comment
// openers, braces, NUL bytes or invalid UTF-8, each come back as CE.
TEST_CASE("java: unterminated and malformed sources are compilation errors") {
  const std::vector<std::pair<std::string, std::string>> sources = {
      {"unterminated comment", filled("public class Main /* ", "x", kCodeLimit)},
      {"64 KiB of /*", filled("", "/*", kCodeLimit)},
      {"unterminated text block", filled("public class Main { String s = \"\"\"", "\\\"", kCodeLimit)},
      {"unclosed braces", filled("public class Main ", "{", kCodeLimit)},
      {"NUL bytes", filled(std::string("public class Main\0", 18), std::string(1, '\0'), kCodeLimit)},
      {"invalid UTF-8", filled("public class Main { int \xff", "\xc3\x28\xfe", kCodeLimit)},
  };
  for (const auto& [what, source] : sources) {
    const auto result = judge_java(source);
    INFO(what << ": " << describe(result));
    CHECK(result.verdict == Verdict::kCompilationError);
  }
}

// Proves braces nested 30,000 deep around a valid main are judged (javac may refuse them):
// a verdict for the job either way, never an internal error.
TEST_CASE("java: deeply nested braces get a verdict") {
  const size_t depth = 30'000;
  const auto source = "public class Main { public static void main(String[] args) " +
                      std::string(depth, '{') + "System.out.println(\"ran\");" +
                      std::string(depth, '}') + " }\n";
  const auto result = judge_java(source);
  INFO(describe(result));
  CHECK((result.verdict == Verdict::kAccepted || result.verdict == Verdict::kCompilationError));
}

// Proves an exception while a valid job is prepared (here: a run command that expands to
// nothing, which the sandbox refuses by throwing) is the job's internal error, returned as its
// result, and the judge goes on judging.
TEST_CASE("a failure while preparing a job is the job's internal error") {
  const auto table = LanguageTable::parse(R"({"languages": [
      {"id": "empty", "name": "Nothing to run", "source": "main.txt", "run": ["{pch_include}"]}
    ]})",
                                          "test.json", false);
  Judge judge(judge_sandbox(), table, judge_cache());
  JudgeRequest request;
  request.language = "empty";
  request.source = "x";
  request.tests = sum_tests();
  JudgeResult result;
  REQUIRE_NOTHROW(result = judge.judge(request));
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kInternalError);
  CHECK_THAT(result.message, Contains("the judge failed") && Contains("nothing to run"));
  CHECK(result.tests.empty());
  CHECK(result.total == 2);

  request.language = "python";
  request.source = "a, b = map(int, input().split())\nprint(a + b)\n";
  CHECK(shared_judge().judge(request).verdict == Verdict::kAccepted);
}
