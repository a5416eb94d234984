// The language table as data: a language added by a JSON file is judged like the built-in ones,
// malformed tables are refused naming the field, and the helpers the judge builds commands and
// limits with (find, versions, find_main_class, resolve_limits, expand_command), and jobs whose
// preparation fails.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "sandbox/errors.h"
#include "tests/judge/judge_test_support.h"

using Catch::Matchers::Contains;
using codearena::judge::CommandValues;
using codearena::judge::expand_command;
using codearena::judge::find_java_main_class;
using codearena::judge::find_main_class;
using codearena::judge::kMaxClassNameBytes;
using codearena::judge::MainClassScanner;
using codearena::judge::resolve_limits;
using codearena::sandbox::SandboxError;

namespace {

// A table with one interpreted language, Bash, that no built-in table has.
const char kBashTable[] = R"({
  "languages": [
    {
      "id": "bash",
      "name": "Bash",
      "aliases": ["sh-bash", "BashScript"],
      "source": "main.sh",
      "run": ["/bin/bash", "main.sh"],
      "version": ["/bin/bash", "--version"],
      "limits": {"time": 2000, "memory": "64m", "output": "16k", "pids": 16},
      "maxLimits": {"time": 5000, "memory": "128m", "output": "64k", "pids": 32}
    }
  ]
})";

// A file under /tmp holding `text`, removed when the object goes.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::string& text) {
    char name[] = "/tmp/codearena-judge-test-XXXXXX.json";
    const int fd = ::mkstemps(name, 5);
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~TemporaryFile() { ::unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A one-language table whose only entry is `entry` (a JSON object's members).
std::string table_with(const std::string& entry) {
  return R"({"languages": [{)" + entry + "}]}";
}

const char kMinimalEntry[] = R"("id": "x", "name": "X", "source": "main.x", "run": ["/bin/true"])";

// The SandboxError message of parsing `json_text`, or "" when it parses.
std::string parse_error(const std::string& json_text) {
  try {
    LanguageTable::parse(json_text, "test.json", false);
  } catch (const SandboxError& error) {
    return error.what();
  }
  return "";
}

std::string judge_error(const Language& language, const LimitRequest& request) {
  try {
    resolve_limits(language, request);
  } catch (const JudgeError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

// Proves a language added through a data file alone (Bash) loads with its version detected, is
// found by id and alias, runs in the sandbox with its own limits, and is judged to AC and WA.
TEST_CASE("a Bash language from a JSON file is judged like a built-in one") {
  const TemporaryFile file(kBashTable);
  const auto table = LanguageTable::load(file.path());
  REQUIRE(table.all().size() == 1);
  const Language* bash = table.find("bashscript");
  REQUIRE(bash != nullptr);
  CHECK(bash->id == "bash");
  CHECK(table.find("SH-BASH") == bash);
  CHECK_FALSE(bash->compiled());
  CHECK_THAT(bash->version, Contains("bash"));

  Judge judge(judge_sandbox(), table, judge_cache());
  JudgeRequest request;
  request.language = "BASH";
  request.source = "read a b\necho $((a + b))\n";
  request.tests = sum_tests();
  const auto result = judge.judge(request);
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kAccepted);
  CHECK(result.language == "bash");
  CHECK(result.passed == 2);
  CHECK(result.limits.cpu_ms == 2000);
  CHECK(result.limits.memory_bytes == 64LL << 20);
  CHECK(result.limits.output_bytes == 16 << 10);

  request.source = "read a b\necho $((a * b))\n";
  CHECK(judge.judge(request).verdict == Verdict::kWrongAnswer);
  CHECK_THROWS_AS(shared_judge().judge(request), JudgeError);  // Unknown to the real table.
}

// Proves each kind of malformed table is refused with a SandboxError naming the origin, the
// entry and the field at fault.
TEST_CASE("malformed tables are refused naming the field") {
  CHECK(parse_error(table_with(kMinimalEntry)).empty());

  SECTION("missing run") {
    const auto message = parse_error(table_with(R"("id": "x", "name": "X", "source": "main.x")"));
    CHECK_THAT(message, Contains("test.json") && Contains("language 1 (x)") &&
                            Contains("\"run\" is missing"));
  }
  SECTION("duplicate alias") {
    const auto message = parse_error(
        R"({"languages": [{"id": "x", "name": "X", "source": "main.x", "run": ["/bin/true"],
                           "aliases": ["shared"]},
                          {"id": "y", "name": "Y", "source": "main.y", "run": ["/bin/true"],
                           "aliases": ["SHARED"]}]})");
    CHECK_THAT(message,
               Contains("language 2 (y)") && Contains("\"SHARED\"") && Contains("already used"));
  }
  SECTION("an alias repeating another language's id") {
    const auto message = parse_error(
        R"({"languages": [{"id": "x", "name": "X", "source": "main.x", "run": ["/bin/true"]},
                          {"id": "y", "name": "Y", "source": "main.y", "run": ["/bin/true"],
                           "aliases": ["X"]}]})");
    CHECK_THAT(message, Contains("already used"));
  }
  SECTION("bad memory size") {
    const auto message =
        parse_error(table_with(std::string(kMinimalEntry) + R"(, "limits": {"memory": "12q"})"));
    CHECK_THAT(message, Contains("\"limits\"") && Contains("12q"));
  }
  SECTION("non-positive limit") {
    const auto message =
        parse_error(table_with(std::string(kMinimalEntry) + R"(, "maxLimits": {"pids": 0})"));
    CHECK_THAT(message, Contains("\"maxLimits\""));
  }
  SECTION("unknown mainClass scanner") {
    const auto message =
        parse_error(table_with(std::string(kMinimalEntry) + R"(, "mainClass": "kotlin")"));
    CHECK_THAT(message, Contains("\"mainClass\"") && Contains("\"kotlin\"") &&
                            Contains("known: \"java\""));
  }
  SECTION("a regular expression for the main class") {
    const auto message = parse_error(
        table_with(std::string(kMinimalEntry) + R"j(, "classPattern": "class (\\w+)")j"));
    CHECK_THAT(message, Contains("\"classPattern\"") && Contains("\"mainClass\""));
  }
  SECTION("{class} in the source name without a default class") {
    const auto message = parse_error(
        table_with(R"("id": "x", "name": "X", "source": "{class}.x", "run": ["/bin/true"])"));
    CHECK_THAT(message, Contains("\"defaultClass\"") && Contains("{class}"));
  }
  SECTION("compile without artifacts") {
    const auto message =
        parse_error(table_with(std::string(kMinimalEntry) + R"(, "compile": ["/bin/true"])"));
    CHECK_THAT(message, Contains("\"artifacts\""));
  }
  SECTION("class-data archive: not an object, an option without {archive}, no compile") {
    const std::string compiled =
        std::string(kMinimalEntry) + R"(, "compile": ["/bin/true"], "artifacts": ["x"])";
    CHECK_THAT(parse_error(table_with(compiled + R"(, "classDataArchive": "yes")")),
               Contains("\"classDataArchive\" must be an object"));
    CHECK_THAT(parse_error(table_with(compiled + R"(, "classDataArchive": {"create": "-a",
                                                     "use": "-b={archive}", "sample": "s"})")),
               Contains("\"classDataArchive\"") && Contains("{archive}"));
    CHECK_THAT(parse_error(table_with(compiled + R"(, "classDataArchive": {"create": "{archive}",
                                                     "use": "{archive}"})")),
               Contains("\"classDataArchive\"") && Contains("\"sample\" is missing"));
    CHECK_THAT(parse_error(table_with(std::string(kMinimalEntry) +
                                      R"(, "classDataArchive": {"create": "{archive}",
                                            "use": "{archive}", "sample": "s"})")),
               Contains("\"classDataArchive\" needs a compile command"));
  }
  SECTION("run that is not a list of strings") {
    const auto message =
        parse_error(table_with(R"("id": "x", "name": "X", "source": "main.x", "run": [1])"));
    CHECK_THAT(message, Contains("\"run\""));
  }
  SECTION("not JSON, no languages list, missing file") {
    CHECK_THAT(parse_error("{"), Contains("test.json") && Contains("not valid JSON"));
    CHECK_THAT(parse_error(R"({"langs": []})"), Contains("\"languages\" list"));
    CHECK_THROWS_WITH(LanguageTable::load("/nonexistent/languages.json"),
                      Contains("/nonexistent/languages.json"));
  }
}

// Proves find() resolves ids and aliases whatever their case, and nothing else.
TEST_CASE("find() takes ids and aliases case-insensitively") {
  const auto& table = real_languages();
  const std::vector<std::pair<std::string, std::string>> names = {
      {"python", "python"},   {"PY3", "python"}, {"Python3", "python"}, {"JS", "javascript"},
      {"Node", "javascript"}, {"C", "c"},        {"GCC", "c"},          {"C++", "cpp"},
      {"cxx", "cpp"},         {"Java", "java"},  {"JDK", "java"}};
  for (const auto& [name, id] : names) {
    INFO(name);
    const Language* language = table.find(name);
    REQUIRE(language != nullptr);
    CHECK(language->id == id);
  }
  CHECK(table.find("cobol") == nullptr);
  CHECK(table.find("") == nullptr);
  CHECK(table.find("pytho") == nullptr);
}

// Proves the five real languages load with a detected version (the toolchain's first line),
// never "unknown", and in the table's order.
TEST_CASE("versions are detected for the five real languages") {
  const auto& table = real_languages();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"python", "Python 3"}, {"javascript", "v"}, {"c", "gcc"}, {"cpp", "g++"}, {"java", "javac"}};
  REQUIRE(table.all().size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto& language = table.all()[i];
    INFO(language.id << ": " << language.version);
    CHECK(language.id == expected[i].first);
    CHECK(language.version != "unknown");
    CHECK_THAT(language.version, Contains(expected[i].second));
    CHECK(language.version.find('\n') == std::string::npos);
  }
  // A version command that fails reads "unknown".
  const auto table_text = table_with(std::string(kMinimalEntry) + R"(, "version": ["/bin/false"])");
  CHECK(LanguageTable::parse(table_text, "test.json").all().at(0).version == "unknown");
}

// Proves the Java scanner finds the first public top-level type after any modifiers and
// annotations, skips comments, literals and nested types, and the language falls back to its
// default class when there is none.
TEST_CASE("find_main_class: Java declarations") {
  const Language& java = *real_languages().find("java");
  CHECK(java.main_class_scanner == MainClassScanner::kJava);
  const auto main_class = [&](const std::string& source) { return find_main_class(java, source); };
  CHECK(main_class("public class Solution { }") == "Solution");
  CHECK(main_class("import java.util.*;\npublic final class $Weird_1 {}") == "$Weird_1");
  CHECK(main_class("class Helper {}\npublic   abstract\nclass Runner {}") == "Runner");
  CHECK(main_class("public class First {}\npublic class Second {}") == "First");
  CHECK(main_class("class Main2 { }") == "Main");
  CHECK(main_class("") == "Main");
  CHECK(main_class("public sealed class Shape permits Circle {}") == "Shape");
  CHECK(main_class("public non-sealed class Open extends Shape {}") == "Open");
  CHECK(main_class("public strictfp final class Exact {}") == "Exact");
  CHECK(main_class("public interface Tool { static void main(String[] a) {} }") == "Tool");
  CHECK(main_class("public enum Color { RED }") == "Color");
  CHECK(main_class("public record Point(int x, int y) {}") == "Point");
  CHECK(main_class("public @interface Marker {}") == "Marker");
  CHECK(main_class("@Deprecated public class Old {}") == "Old");
  CHECK(main_class("public @SuppressWarnings({\"unchecked\", \")\"}) final class Tidy {}") ==
        "Tidy");
  CHECK(main_class("public @java.lang.Deprecated(since = \"9\") class Qualified {}") ==
        "Qualified");
  CHECK(main_class("public class Generic<T extends Comparable<T>> {}") == "Generic");

  const Language& python = *real_languages().find("python");
  CHECK(python.main_class_scanner == MainClassScanner::kNone);
  CHECK(find_main_class(python, "public class X {}") == python.default_class);
}

// Proves what is not a top-level declaration is never taken for one: comments, strings,
// character literals and text blocks (with escapes), nested types, and `public` followed by
// anything but modifiers and a type keyword.
TEST_CASE("find_main_class: Java text that only looks like a declaration") {
  const auto scan = [](const std::string& source) { return find_java_main_class(source); };
  CHECK(scan("// public class Line\npublic class Real {}") == "Real");
  CHECK(scan("/* public class Block */ public class Real {}") == "Real");
  CHECK(scan("/** @see public class Doc **/ public class Real {}") == "Real");
  CHECK(scan("@A(\"public class Str\") public class Real {}") == "Real");
  CHECK(scan("@A(\"\\\" public class Escaped\") public class Real {}") == "Real");
  CHECK(scan("@A('\"') public class Real {}") == "Real");
  CHECK(scan("@A(\"\"\"\npublic class Text \\\"\"\" \"\"\") public class Real {}") == "Real");
  CHECK(scan("class Outer { public class Inner {} }\npublic class Real {}") == "Real");
  CHECK(scan("class Outer { { { } } public class Inner {} }") == "");
  CHECK(scan("public static void main() {} public class Real {}") == "Real");
  CHECK(scan("public class") == "");
  CHECK(scan("public class {") == "");
  CHECK(scan("public /* between */ final // and\n class Spaced {}") == "Spaced");
}

// Proves hostile sources give "" (the default class) or a valid name, never a crash or an
// unusable file name: names too long, non-ASCII, starting with a digit, unterminated
// comments and literals, NUL bytes and invalid UTF-8, all at the code size limit.
TEST_CASE("find_main_class: Java sources built to break a scanner") {
  const size_t limit = 64 * 1024;
  const auto scan = [](const std::string& source) { return find_java_main_class(source); };
  CHECK(scan("public class " + std::string(kMaxClassNameBytes, 'A') + " {}") ==
        std::string(kMaxClassNameBytes, 'A'));
  CHECK(scan("public class " + std::string(kMaxClassNameBytes + 1, 'A') + " {}") == "");
  CHECK(scan("public class " + std::string(60 * 1024, 'A') + " {}") == "");
  CHECK(scan("public" + std::string(60 * 1024, ' ') + "class Spaced {}") == "Spaced");
  CHECK(scan("public class Caf\xc3\xa9 {}") == "");
  CHECK(scan("public class 9Lives {}") == "");
  const char nul_inside[] = "public class Nul\0Byte {}";
  CHECK(scan(std::string(nul_inside, sizeof nul_inside - 1)) == "Nul");
  CHECK(scan("public class \xff\xfe {}") == "");
  CHECK(scan("/* public class Never " + std::string(limit, 'x')) == "");
  CHECK(scan("\"unterminated\npublic class AfterLine {}") == "AfterLine");
  CHECK(scan("\"\"\" unterminated text block public class Never") == "");
  std::string openers;
  while (openers.size() < limit) openers += "/*";
  CHECK(scan(openers) == "");
  CHECK(scan(std::string(limit, '{') + "public class Deep {}") == "");
  CHECK(scan(std::string(limit, '}') + "public class Shallow {}") == "Shallow");
  CHECK(scan(std::string(limit, '@')) == "");
  CHECK(scan("public @A(" + std::string(limit, '(') + " class Never {}") == "");
  std::string modifiers = "public ";
  while (modifiers.size() < limit) modifiers += "final @A(x) ";
  CHECK(scan(modifiers + "class Last {}") == "Last");
}

// Proves resolve_limits applies requested limits up to the language's maxima and refuses
// values above them or not positive, with JudgeError messages naming the limit.
TEST_CASE("resolve_limits enforces the language's maxima") {
  const Language& python = *real_languages().find("python");
  const auto defaults = resolve_limits(python, {});
  CHECK(defaults.cpu_ms == python.default_limits.cpu_ms);
  CHECK(defaults.memory_bytes == python.default_limits.memory_bytes);

  LimitRequest request;
  request.cpu_ms = python.max_limits.cpu_ms;
  request.memory_bytes = 64LL << 20;
  request.output_bytes = 1024;
  const auto applied = resolve_limits(python, request);
  CHECK(applied.cpu_ms == python.max_limits.cpu_ms);
  CHECK(applied.memory_bytes == 64LL << 20);
  CHECK(applied.output_bytes == 1024);
  CHECK(applied.pids == python.default_limits.pids);

  LimitRequest too_long;
  too_long.cpu_ms = python.max_limits.cpu_ms + 1;
  CHECK_THAT(judge_error(python, too_long),
             Contains("time limit") && Contains("maximum") && Contains("python"));
  LimitRequest too_big;
  too_big.memory_bytes = python.max_limits.memory_bytes + 1;
  CHECK_THAT(judge_error(python, too_big), Contains("memory limit") && Contains("maximum"));
  LimitRequest too_much_output;
  too_much_output.output_bytes = python.max_limits.output_bytes * 2;
  CHECK_THAT(judge_error(python, too_much_output), Contains("output limit"));
  LimitRequest zero_time;
  zero_time.cpu_ms = 0;
  CHECK_THAT(judge_error(python, zero_time), Contains("time limit must be positive"));
  LimitRequest tiny_memory;
  tiny_memory.memory_bytes = 1;
  CHECK_THAT(judge_error(python, tiny_memory), Contains("invalid limits") && Contains("memory"));
  LimitRequest negative_memory;
  negative_memory.memory_bytes = -1;
  CHECK_THAT(judge_error(python, negative_memory), Contains("memory limit must be positive"));

  // The judge refuses the job the same way, before compiling or running anything.
  JudgeRequest job;
  job.language = "python";
  job.source = "print(1)\n";
  job.limits = too_long;
  CHECK_THROWS_AS(shared_judge().judge(job), JudgeError);
  job.limits = {};
  job.language = "klingon";
  CHECK_THROWS_WITH(shared_judge().judge(job), Contains("unknown language 'klingon'"));
}

// Proves every placeholder is substituted, also inside longer arguments, {heap_mb} is the
// memory less the reserve but at least 16, and arguments that expand to nothing are dropped.
TEST_CASE("expand_command substitutes placeholders and drops empty arguments") {
  CommandValues values;
  values.source = "Solution.java";
  values.main_class = "Solution";
  values.memory_mb = 256;
  values.heap_reserve_mb = 96;
  const std::vector<std::string> command = {"/usr/bin/run",
                                            "{pch_include}",
                                            "{class_data_archive}",
                                            "-Xmx{heap_mb}m",
                                            "--mem={memory_mb}",
                                            "{source}",
                                            "{class}",
                                            "",
                                            "{class}.{class}"};
  CHECK(expand_command(command, values) ==
        std::vector<std::string>{"/usr/bin/run", "-Xmx160m", "--mem=256", "Solution.java",
                                 "Solution", "Solution.Solution"});

  values.pch_include = "-I/pch/cpp";
  values.class_data_archive = "-J-XX:SharedArchiveFile=/pch/java/classes.jsa";
  values.memory_mb = 64;
  CHECK(expand_command({"{pch_include}", "{heap_mb}", "{class_data_archive}"}, values) ==
        std::vector<std::string>{"-I/pch/cpp", "16",
                                 "-J-XX:SharedArchiveFile=/pch/java/classes.jsa"});
  CHECK(expand_command({}, values).empty());
}
