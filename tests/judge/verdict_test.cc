// Every verdict in every language of the real table, each from a small program written to earn
// it, with the per-test verdicts, counts and figures the judge reports alongside.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "judge/precompiled_headers.h"
#include "sandbox/fs_util.h"
#include "tests/judge/judge_test_support.h"

using Catch::Matchers::Contains;

namespace {

// One program per verdict for a language. `compile_error` is empty for interpreted languages.
struct Programs {
  std::string accepted;       // Prints a+b.
  std::string wrong_answer;   // Prints a+b, plus one when a > 5 (right on test 1, wrong on 2).
  std::string compile_error;  // Does not compile.
  std::string runtime_error;  // Fails on purpose (see RuntimeErrorSign).
  std::string time_limit;     // Spins forever.
  std::string memory_limit;   // Allocates and touches ~400 MiB.
  std::string output_limit;   // Prints forever.
};

// How each language's runtime_error program shows that it failed.
struct RuntimeErrorSign {
  int exit_code;
  int signal;
  std::string stderr_fragment;
};

const std::map<std::string, Programs>& programs() {
  static const std::map<std::string, Programs> table = {
      {"python",
       {"a, b = map(int, input().split())\nprint(a + b)\n",
        "a, b = map(int, input().split())\nprint(a + b + (a > 5))\n", "",
        "raise ValueError('boom from python')\n", "while True:\n    pass\n",
        "data = bytearray(400 << 20)\nfor i in range(0, len(data), 4096):\n    data[i] = 1\n"
        "print(len(data))\n",
        "while True:\n    print('x' * 1000)\n"}},
      {"javascript",
       {"const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\n"
        "console.log(a + b);\n",
        "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);\n"
        "console.log(a + b + (a > 5 ? 1 : 0));\n",
        "", "throw new Error('boom from javascript');\n", "for (;;) {}\n",
        "const buffer = Buffer.alloc(400 * 1024 * 1024, 1);\nconsole.log(buffer.length);\n",
        // Synchronous writes: process.stdout queues in memory once the pipe is full (and the
        // busy loop never lets it drain), so whether it passes the limit would be a race.
        "const fs = require('fs');\nconst line = 'x'.repeat(1000) + '\\n';\n"
        "for (;;) fs.writeSync(1, line);\n"}},
      {"c",
       {"#include <stdio.h>\nint main(void) {\n  long a, b;\n  if (scanf(\"%ld %ld\", &a, &b) != 2)"
        " return 1;\n  printf(\"%ld\\n\", a + b);\n  return 0;\n}\n",
        "#include <stdio.h>\nint main(void) {\n  long a, b;\n  if (scanf(\"%ld %ld\", &a, &b) != 2)"
        " return 1;\n  printf(\"%ld\\n\", a + b + (a > 5));\n  return 0;\n}\n",
        "int main(void) { return missing_variable; }\n", "int main(void) { return 3; }\n",
        "int main(void) {\n  volatile unsigned long x = 0;\n  for (;;) x++;\n}\n",
        "#include <stdlib.h>\nint main(void) {\n  size_t n = (size_t)400 << 20;\n"
        "  volatile char* p = malloc(n);\n  if (!p) return 2;\n"
        "  for (size_t i = 0; i < n; i += 4096) p[i] = 1;\n  return p[n - 4096] - 1;\n}\n",
        "#include <stdio.h>\nint main(void) {\n  for (;;) "
        "puts(\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\");\n}"
        "\n"}},
      {"cpp",
       {"#include <bits/stdc++.h>\nint main() {\n  long long a, b;\n  std::cin >> a >> b;\n"
        "  std::cout << a + b << '\\n';\n}\n",
        "#include <bits/stdc++.h>\nint main() {\n  long long a, b;\n  std::cin >> a >> b;\n"
        "  std::cout << a + b + (a > 5) << '\\n';\n}\n",
        "#include <bits/stdc++.h>\nint main() {\n  std::vector<int> v = 5;\n}\n",
        "#include <bits/stdc++.h>\nint main() { throw std::runtime_error(\"boom from cpp\"); }\n",
        "int main() {\n  volatile unsigned long x = 0;\n  for (;;) x++;\n}\n",
        "#include <bits/stdc++.h>\nint main() {\n  std::vector<char> v(400 << 20, 1);\n"
        "  std::cout << v.size() << '\\n';\n}\n",
        "#include <bits/stdc++.h>\nint main() {\n  for (;;) std::cout << "
        "\"xxxxxxxxxxxxxxxx\\n\";\n}\n"}},
      {"java",
       {"import java.util.Scanner;\n\npublic class Solution {\n"
        "  public static void main(String[] args) {\n    Scanner in = new Scanner(System.in);\n"
        "    long a = in.nextLong(), b = in.nextLong();\n    System.out.println(a + b);\n  }\n}\n",
        "import java.util.Scanner;\n\npublic class Solution {\n"
        "  public static void main(String[] args) {\n    Scanner in = new Scanner(System.in);\n"
        "    long a = in.nextLong(), b = in.nextLong();\n"
        "    System.out.println(a + b + (a > 5 ? 1 : 0));\n  }\n}\n",
        "public class Solution {\n  public static void main(String[] args) {\n"
        "    System.out.println(\"missing semicolon\")\n  }\n}\n",
        "public class Solution {\n  public static void main(String[] args) {\n"
        "    throw new IllegalStateException(\"boom from java\");\n  }\n}\n",
        "public class Solution {\n  static volatile long x;\n"
        "  public static void main(String[] args) {\n    for (;;) x++;\n  }\n}\n",
        "import java.util.*;\n\npublic class Solution {\n"
        "  public static void main(String[] args) {\n    List<long[]> hoard = new ArrayList<>();\n"
        "    for (;;) hoard.add(new long[1 << 20]);\n  }\n}\n",
        "public class Solution {\n  public static void main(String[] args) {\n"
        "    for (;;) System.out.println(\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\");\n  }\n}\n"}},
  };
  return table;
}

const std::map<std::string, RuntimeErrorSign>& runtime_error_signs() {
  static const std::map<std::string, RuntimeErrorSign> signs = {
      {"python", {1, 0, "ValueError: boom from python"}},
      {"javascript", {1, 0, "Error: boom from javascript"}},
      {"c", {3, 0, ""}},
      {"cpp", {0, SIGABRT, "boom from cpp"}},
      {"java", {1, 0, "java.lang.IllegalStateException: boom from java"}},
  };
  return signs;
}

// The shared Judge, with the precompiled headers ready when the job is C++.
Judge& judge_for(const std::string& language) {
  return language == "cpp" ? cpp_ready_judge() : shared_judge();
}

JudgeResult judge_program(const std::string& language, const std::string& source,
                          std::vector<TestCase> tests, LimitRequest limits = {}) {
  JudgeRequest request;
  request.language = language;
  request.source = source;
  request.tests = std::move(tests);
  request.limits = limits;
  return judge_for(language).judge(request);
}

// The job figures are the maxima of the test figures. Runtimes (interpreters, the JVM) always
// add memory of their own; a small C or C++ program can add less than the cgroup's accounting
// granularity (its code is shared page cache), so its peak may read 0.
void check_figures(const std::string& language, const JudgeResult& result) {
  int64_t cpu = 0;
  int64_t memory = 0;
  for (const auto& test : result.tests) {
    cpu = std::max(cpu, test.cpu_ms);
    memory = std::max(memory, test.memory_kb);
  }
  CHECK(result.max_cpu_ms == cpu);
  CHECK(result.max_memory_kb == memory);
  if (language != "c" && language != "cpp") CHECK(result.max_memory_kb > 0);
}

}  // namespace

// Proves a correct program is AC in every language: both tests AC with the right output, the
// counts full, the job figures filled, and the resolved language id reported.
TEST_CASE("AC: a+b is accepted in every language") {
  const std::string language =
      GENERATE(as<std::string>{}, "python", "javascript", "c", "cpp", "java");
  INFO("language: " << language);
  const auto result = judge_program(language, programs().at(language).accepted, sum_tests());
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kAccepted);
  CHECK(result.language == language);
  CHECK(result.message.empty());
  CHECK(result.passed == 2);
  CHECK(result.total == 2);
  REQUIRE(result.tests.size() == 2);
  CHECK(result.tests[0].verdict == Verdict::kAccepted);
  CHECK(result.tests[0].stdout_data == "3\n");
  CHECK(result.tests[1].verdict == Verdict::kAccepted);
  CHECK(result.tests[1].stdout_data == "30\n");
  CHECK(result.tests[0].exit_code == 0);
  check_figures(language, result);
}

// Proves a wrong output is WA on the test it fails only: test 0 AC, test 1 WA with the checker's
// message naming both values, and the job's message pointing at test 1 (tests count from 0).
TEST_CASE("WA: an answer wrong on the second test only, in every language") {
  const std::string language =
      GENERATE(as<std::string>{}, "python", "javascript", "c", "cpp", "java");
  INFO("language: " << language);
  const auto result = judge_program(language, programs().at(language).wrong_answer, sum_tests());
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kWrongAnswer);
  CHECK(result.passed == 1);
  CHECK(result.total == 2);
  REQUIRE(result.tests.size() == 2);
  CHECK(result.tests[0].verdict == Verdict::kAccepted);
  CHECK(result.tests[1].verdict == Verdict::kWrongAnswer);
  CHECK(result.tests[1].stdout_data == "31\n");
  CHECK_THAT(result.tests[1].message, Contains("30") && Contains("31"));
  CHECK_THAT(result.message, Contains("test 1:"));
  check_figures(language, result);
}

// Proves a source that does not compile is CE before any test runs, with the compiler's own
// error message in compile_output, for the three compiled languages.
TEST_CASE("CE: the compiler's message comes back for c, cpp and java") {
  const std::string language = GENERATE(as<std::string>{}, "c", "cpp", "java");
  INFO("language: " << language);
  const auto result = judge_program(language, programs().at(language).compile_error, sum_tests());
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kCompilationError);
  CHECK(result.tests.empty());
  CHECK(result.passed == 0);
  CHECK(result.total == 2);
  CHECK_FALSE(result.compile_cached);
  CHECK_THAT(result.compile_output, Contains("error"));
  CHECK_THAT(result.message, Contains("compilation failed"));
  if (language == "c") CHECK_THAT(result.compile_output, Contains("missing_variable"));
  if (language == "java") CHECK_THAT(result.compile_output, Contains("';' expected"));
}

// Proves interpreted languages have no CE: a syntax error surfaces when the program runs, as
// RE with the interpreter's SyntaxError on stderr.
TEST_CASE("CE: a syntax error in python or javascript is RE, not CE") {
  const auto language = GENERATE(as<std::string>{}, "python", "javascript");
  const std::string source =
      language == "python" ? "print('unclosed'\n" : "console.log('unclosed';\n";
  INFO("language: " << language);
  const auto result = judge_program(language, source, sum_tests());
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kRuntimeError);
  CHECK(result.compile_output.empty());
  CHECK(result.passed == 0);
  CHECK(result.total == 2);
  REQUIRE(result.tests.size() == 2);
  for (const auto& test : result.tests) {
    CHECK(test.verdict == Verdict::kRuntimeError);
    CHECK(test.exit_code != 0);
    CHECK_THAT(test.stderr_data, Contains("SyntaxError"));
  }
}

// Proves a failing program is RE on every test, carrying the exit code or signal and the
// runtime's own error text (exception name and message) on stderr.
TEST_CASE("RE: an exception or non-zero exit is reported with its code, in every language") {
  const std::string language =
      GENERATE(as<std::string>{}, "python", "javascript", "c", "cpp", "java");
  INFO("language: " << language);
  const auto result = judge_program(language, programs().at(language).runtime_error, sum_tests());
  INFO(describe(result));
  const auto& sign = runtime_error_signs().at(language);
  CHECK(result.verdict == Verdict::kRuntimeError);
  CHECK(result.passed == 0);
  CHECK(result.total == 2);
  REQUIRE(result.tests.size() == 2);
  for (const auto& test : result.tests) {
    CHECK(test.verdict == Verdict::kRuntimeError);
    CHECK(test.exit_code == sign.exit_code);
    CHECK(test.signal == sign.signal);
    CHECK_THAT(test.stderr_data, Contains(sign.stderr_fragment));
    CHECK_FALSE(test.message.empty());
  }
  CHECK_THAT(result.message, Contains("test 0:"));
  check_figures(language, result);
}

// Proves an endless loop is TLE by CPU time at a 1 s limit asked through LimitRequest, stopped
// soon after it, and that stop_on_first_failure leaves the second test unrun, listed as skipped.
TEST_CASE("TLE: an endless loop is stopped at a 1 s limit, in every language") {
  const std::string language =
      GENERATE(as<std::string>{}, "python", "javascript", "c", "cpp", "java");
  INFO("language: " << language);
  JudgeRequest request;
  request.language = language;
  request.source = programs().at(language).time_limit;
  request.tests = sum_tests();
  request.limits.cpu_ms = 1000;
  request.stop_on_first_failure = true;
  const auto result = judge_for(language).judge(request);
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kTimeLimit);
  CHECK(result.limits.cpu_ms == 1000);
  CHECK(result.passed == 0);
  CHECK(result.total == 2);
  CHECK(result.skipped == 1);
  REQUIRE(result.tests.size() == 2);
  CHECK(result.tests[0].verdict == Verdict::kTimeLimit);
  CHECK(result.tests[0].limit_exceeded == "cpu_time");
  CHECK_THAT(result.tests[0].message, Catch::Matchers::Contains("CPU time limit"));
  CHECK(result.max_cpu_ms >= 900);
  CHECK(result.max_cpu_ms < 2500);
  CHECK(result.tests[1].verdict == Verdict::kSkipped);
  CHECK(result.tests[1].message == "not run: test 0 failed");
  check_figures(language, result);
}

// Proves allocating ~400 MiB under the default limit is MLE (the cgroup's kill, or Java's
// OutOfMemoryError turned into MLE), with the peak memory reported near the limit.
TEST_CASE("MLE: touching 400 MiB under the default limit, in every language") {
  const std::string language =
      GENERATE(as<std::string>{}, "python", "javascript", "c", "cpp", "java");
  INFO("language: " << language);
  const auto result =
      judge_program(language, programs().at(language).memory_limit, {{"1 2\n", "3\n"}});
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kMemoryLimit);
  CHECK(result.passed == 0);
  CHECK(result.total == 1);
  REQUIRE(result.tests.size() == 1);
  CHECK(result.tests[0].verdict == Verdict::kMemoryLimit);
  CHECK_FALSE(result.tests[0].message.empty());
  // Java's heap is the limit minus a reserve, so its peak can be well under the cgroup limit.
  CHECK(result.max_memory_kb >= 64 * 1024);
  CHECK(result.max_memory_kb <= (result.limits.memory_bytes >> 10) + 1024);
  if (language == "java") CHECK_THAT(result.tests[0].message, Contains("OutOfMemoryError"));
  check_figures(language, result);
}

// Proves printing forever is OLE, with the captured stdout bounded by the output limit.
TEST_CASE("OLE: printing forever, in every language") {
  const std::string language =
      GENERATE(as<std::string>{}, "python", "javascript", "c", "cpp", "java");
  INFO("language: " << language);
  const auto result =
      judge_program(language, programs().at(language).output_limit, {{"1 2\n", "3\n"}});
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kOutputLimit);
  CHECK(result.passed == 0);
  CHECK(result.total == 1);
  REQUIRE(result.tests.size() == 1);
  CHECK(result.tests[0].verdict == Verdict::kOutputLimit);
  CHECK(static_cast<int64_t>(result.tests[0].stdout_data.size()) <= result.limits.output_bytes);
  CHECK_THAT(result.tests[0].stdout_data, Contains("xxxx"));
  check_figures(language, result);
}

// Proves Java hello world fits the default limits (no spurious MLE from the JVM's reservations),
// that the main class is found under another name than Main (public final class Greeter), and
// that a job without tests is judged from its single stdin run.
TEST_CASE("Java: hello world with a non-Main public class is AC under default limits") {
  JudgeRequest request;
  request.language = "java";
  request.source =
      "public final class Greeter {\n  public static void main(String[] args) {\n"
      "    System.out.println(\"hello, world\");\n  }\n}\n";
  const auto result = shared_judge().judge(request);
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kAccepted);
  CHECK(result.passed == 1);
  CHECK(result.total == 1);
  REQUIRE(result.tests.size() == 1);
  CHECK(result.tests[0].stdout_data == "hello, world\n");
  CHECK(result.max_memory_kb > 0);
  CHECK(result.max_memory_kb < (result.limits.memory_bytes >> 10));
}

// Proves a blocked system call (a socket in Python, whose table entry makes it a violation) is
// SV naming the call, not RE.
TEST_CASE("SV: opening a socket in python is a security violation") {
  const auto result = judge_program(
      "python", "import socket\nsocket.socket(socket.AF_INET, socket.SOCK_STREAM)\nprint(3)\n",
      {{"1 2\n", "3\n"}});
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kSecurityViolation);
  REQUIRE(result.tests.size() == 1);
  CHECK_THAT(result.tests[0].message, Contains("socket"));
}

// Proves the progress callback is called once per finished test, in order, with that test's
// result, and stops with the job when stop_on_first_failure ends it early.
TEST_CASE("progress: called after each test with its index and result") {
  JudgeRequest request;
  request.language = "python";
  request.source = programs().at("python").wrong_answer;
  request.tests = sum_tests();
  request.tests.push_back({"2 2\n", "4\n"});
  std::vector<std::pair<size_t, Verdict>> seen;
  const auto record = [&](size_t index, const TestResult& test) {
    seen.emplace_back(index, test.verdict);
  };
  const auto result = shared_judge().judge(request, record);
  INFO(describe(result));
  CHECK(seen == std::vector<std::pair<size_t, Verdict>>{
                    {0, Verdict::kAccepted}, {1, Verdict::kWrongAnswer}, {2, Verdict::kAccepted}});
  CHECK(result.passed == 2);

  seen.clear();
  request.stop_on_first_failure = true;
  const auto stopped = shared_judge().judge(request, record);
  CHECK(seen.size() == 2);
  REQUIRE(stopped.tests.size() == 3);
  CHECK(stopped.tests[2].verdict == Verdict::kSkipped);
  CHECK(stopped.total == 3);
  CHECK(stopped.passed == 1);
  CHECK(stopped.skipped == 1);
}

// Proves the result keeps only `kept_output_bytes` of each test's streams while progress saw
// them whole, and that the cut comes after checking (the expected output is the whole one).
TEST_CASE("progress: sees each test's output whole, and the result keeps the requested prefix") {
  JudgeRequest request;
  request.language = "python";
  request.source = "import sys\nsys.stdout.write('x' * 30000)\nsys.stderr.write('y' * 10000)\n";
  request.tests = {{"", std::string(30000, 'x')}, {"", std::nullopt}};
  request.kept_output_bytes = 10;
  std::vector<std::pair<size_t, size_t>> seen_sizes;  // stdout, stderr
  const auto record = [&](size_t, const TestResult& test) {
    seen_sizes.emplace_back(test.stdout_data.size(), test.stderr_data.size());
  };
  const auto result = shared_judge().judge(request, record);
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kAccepted);
  CHECK(seen_sizes == std::vector<std::pair<size_t, size_t>>(2, {30000, 10000}));
  REQUIRE(result.tests.size() == 2);
  for (const TestResult& test : result.tests) {
    CHECK(test.stdout_data == std::string(10, 'x'));
    CHECK(test.stderr_data == std::string(10, 'y'));
  }
}

// Proves the precompiled header for C++ is built (or found built) on the host, that a second
// call only reports it ready, and that a C++ job using <bits/stdc++.h> then compiles and runs.
TEST_CASE("C++: precompiled headers are prepared once and then reported ready") {
  Judge& judge = cpp_ready_judge();
  const auto again = judge.prepare_precompiled_headers();
  CHECK_THAT(again, Contains("cpp: precompiled header ready"));
  CHECK_THAT(again, !Contains("could not build"));
  const auto result = judge_program("cpp", programs().at("cpp").accepted, sum_tests());
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kAccepted);
  CHECK(result.compile_output.empty());
}

// Proves the host build itself: into an empty directory the C++ header is built (the compiler
// ran and its output was renamed into place), and a second preparation finds it ready.
TEST_CASE("C++: precompiled headers are built into an empty directory") {
  const std::string dir = "/tmp/codearena-pch-test-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  const auto built = codearena::judge::prepare_precompiled_headers(real_languages(), dir);
  CHECK_THAT(built, Contains("cpp: precompiled header built"));
  CHECK(codearena::sandbox::path_exists(dir + "/cpp/bits/stdc++.h.gch"));
  const auto again = codearena::judge::prepare_precompiled_headers(real_languages(), dir);
  CHECK_THAT(again, Contains("cpp: precompiled header ready"));
  std::filesystem::remove_all(dir);
}

// Proves page cache a compilation brings into the slot's cgroup (here the 100 MB precompiled
// header, evicted first so that the compile charges it to the slot) does not lower the next
// run's peak memory: what an earlier run left above the bound is reclaimed before the next run
// starts (it read 31 MiB for 60 MiB touched before that).
TEST_CASE("memory: a compile's page cache does not lower the next run's peak memory") {
  Judge& judge = cpp_ready_judge();
  const int fd = ::open((std::string(kPchDir) + "/cpp/bits/stdc++.h.gch").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  CHECK(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
  ::close(fd);
  JudgeRequest compile;
  compile.language = "cpp";
  compile.source = programs().at("cpp").accepted + "// " + std::to_string(::getpid()) + "\n";
  compile.tests = sum_tests();
  REQUIRE(judge.judge(compile).verdict == Verdict::kAccepted);

  const auto result = judge_program(
      "python",
      "data = bytearray(60 << 20)\nfor i in range(0, len(data), 4096):\n    data[i] = 1\n", {});
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kAccepted);
  CHECK(result.max_memory_kb >= 58 * 1024);
}

namespace {

// Fills the V8 heap (limited by --max-old-space-size={heap_mb}) with arrays: V8 aborts with
// "FATAL ERROR: ... JavaScript heap out of memory" well before the cgroup limit.
const char kJsHeapHog[] = "const hoard = [];\nfor (;;) hoard.push(new Array(1 << 20).fill(1.5));\n";
const char kV8OutOfMemory[] = "JavaScript heap out of memory";

}  // namespace

// Proves exhausting the V8 heap (the usual way a JS solution runs out of memory, since
// {heap_mb} keeps the heap below the cgroup limit) is MLE through the table's
// "memoryErrorPattern", not RE (SIGABRT).
TEST_CASE("MLE: a JavaScript heap exhaustion is MLE") {
  const auto result = judge_program("javascript", kJsHeapHog, {});
  INFO(describe(result));
  REQUIRE(result.tests.size() == 1);
  CHECK_THAT(result.tests[0].stderr_data, Contains(kV8OutOfMemory));
  CHECK(result.verdict == Verdict::kMemoryLimit);
  CHECK_THAT(result.tests[0].message, Contains(kV8OutOfMemory));
}

// Proves a Java source that compiles to more class files than a run hands back is a compile
// error that says so, not a program that fails later for want of its classes.
TEST_CASE("CE: Java compiling to more class files than can be kept") {
  std::string source = "public class Main {\n  public static void main(String[] a) {}\n}\n";
  for (int i = 0; i < 260; ++i) source += "class Extra" + std::to_string(i) + " {}\n";
  const auto result = judge_program("java", source, {});
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kCompilationError);
  CHECK_THAT(result.compile_output, Catch::Matchers::Contains("could not all be kept") &&
                                        Catch::Matchers::Contains("more than 200 files"));
}
