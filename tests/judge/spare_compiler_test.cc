// Spare compilers: a Java job compiled by a warm compiler gets what the cold compiler gives it
// (verdicts, diagnostics, artifacts), each spare serves one job and dies with its box, and the
// job's compile limits hold from the hand-over, not from the spare's start.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "tests/judge/judge_test_support.h"

using Catch::Matchers::Contains;

namespace {

constexpr int64_t kMaxWaitMs = 10 * 60 * 1000;
// A spare warms in about two seconds; a loaded machine may take many times that.
constexpr auto kReadyTimeout = std::chrono::minutes(2);

// A Judge with spares over the shared sandbox (one of its slots goes to the spare), with its
// own compile cache so that nothing the cold judge compiled answers for it.
Judge& judge_with_spares(std::optional<int64_t> compile_time_ms = std::nullopt) {
  static CompileCache cache;
  static Judge judge(judge_sandbox(), real_languages(), cache, kPchDir);
  static const std::string started = [&] {
    if (compile_time_ms) judge.set_compile_time_limit(*compile_time_ms);
    judge.prepare_class_data_archives();
    judge.prepare_spare_compilers();
    return judge.start_spare_compilers(kMaxWaitMs);
  }();
  REQUIRE(started == "java");
  return judge;
}

Judge& cold_judge() {
  static const std::string report = shared_judge().prepare_class_data_archives();
  (void)report;
  return shared_judge();
}

// Judges `request` on a spare, once one is ready, and checks that a spare compiled it.
JudgeResult judge_on_spare(Judge& judge, const JudgeRequest& request) {
  REQUIRE(judge.wait_for_spare_compiler("java", kReadyTimeout));
  const int64_t before = judge.spare_compilations();
  auto result = judge.judge(request);
  INFO(describe(result));
  CHECK(judge.spare_compilations() == before + 1);
  return result;
}

JudgeRequest java_request(const std::string& source, std::vector<TestCase> tests = {}) {
  JudgeRequest request;
  request.language = "java";
  request.source = source;
  request.tests = std::move(tests);
  return request;
}

// A Java program printing `word`, with one test expecting it.
JudgeRequest java_printing(const std::string& word) {
  return java_request(
      "public class Main {\n  public static void main(String[] args) {\n    "
      "System.out.println(\"" +
          word + "\");\n  }\n}\n",
      {{"", word + "\n"}});
}

// Judges `source` cold and on a spare: both are compile errors in which javac says `says`.
void check_compile_error_cold_and_on_spare(const std::string& source, const char* says) {
  const auto cold = cold_judge().judge(java_request(source));
  const auto warm = judge_on_spare(judge_with_spares(), java_request(source));
  INFO("cold: " << describe(cold) << "\nspare: " << describe(warm));
  CHECK(cold.verdict == Verdict::kCompilationError);
  CHECK(warm.verdict == Verdict::kCompilationError);
  CHECK_THAT(cold.compile_output, Contains(says));
  CHECK_THAT(warm.compile_output, Contains(says));
}

// Judges the Python program `source` (an attack from a job's run), which must print `expected`.
void check_python_prints(Judge& judge, const std::string& source, const std::string& expected) {
  JudgeRequest request;
  request.language = "python";
  request.source = source;
  request.tests = {{"", expected}};
  const auto result = judge.judge(request);
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kAccepted);
}

// javac echoes the line of each error: four errors on 30 KB lines pass the compile output limit.
std::string javac_output_flood() {
  const std::string name(30'000, 'x');
  std::string source = "public class Main {\n  public static void main(String[] args) {\n";
  for (int i = 0; i < 4; ++i) source += "    int v" + std::to_string(i) + " = " + name + ";\n";
  return source + "  }\n}\n";
}

struct Case {
  const char* what;
  std::string source;
  std::vector<TestCase> tests;
  const char* compile_output_mentions = "";  // What javac must have said (on both paths).
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"a compile error",
       "public class Main {\n  public static void main(String[] args) {\n    int x =\n  }\n}\n",
       {},
       "illegal start of expression"},
      {"accepted, class Solution found",
       "import java.util.Scanner;\n\npublic class Solution {\n  public static void main(String[] "
       "args) {\n    Scanner in = new Scanner(System.in);\n    System.out.println(in.nextInt() + "
       "in.nextInt());\n  }\n}\n",
       sum_tests()},
      {"a wrong answer",
       "public class Main {\n  public static void main(String[] args) {\n    "
       "System.out.println(42);\n  }\n}\n",
       sum_tests()},
      {"a time limit",
       "public class Main {\n  public static void main(String[] args) {\n    for (;;) {}\n  "
       "}\n}\n",
       {}},
      {"several classes, and what the program's boxes hold",
       "import java.io.File;\nimport java.util.Arrays;\n\nclass Helper {\n  static String[] "
       "sorted(String dir) {\n    String[] names = new File(dir).list();\n    "
       "Arrays.sort(names);\n    return names;\n  }\n}\n\npublic class Lister {\n  public "
       "static void main(String[] args) {\n    System.out.println(String.join(\",\", "
       "Helper.sorted(\".\")));\n    System.out.println(String.join(\",\", "
       "Helper.sorted(\"/tmp\")));\n  }\n}\n",
       {}},
      // javac in the spare's JVM would take that JVM's class path (the spare's jar) for the
      // job's: its classes would compile there but not cold.
      {"the spare's own class is unknown to the job",
       "public class Main {\n  public static void main(String[] args) {\n    "
       "System.out.println(SpareCompiler.class.getName());\n  }\n}\n",
       {},
       "cannot find symbol"},
      {"a module declaration in place of a class",
       "module evil {\n  requires java.base;\n}\n",
       {},
       "module-info.java"},
      // javac takes options from its command line only: text that looks like options or
      // argument files in the source is a comment, on a spare as cold.
      {"comments that look like javac options and argument files",
       "// -d /tmp -cp / @/etc/passwd -Xplugin:Evil -processor Evil -J-Xmx4g\n/* --source-path "
       "/ -proc:full */\npublic class Main {\n  public static void main(String[] args) {\n    "
       "System.out.println(\"options\");\n  }\n}\n",
       {}},
      {"bytes that are not UTF-8",
       "public class Main {\n  // \xff\xfe\xc3\n  public static void main(String[] args) {}\n}\n",
       {},
       "unmappable character"},
      // javac reads \u000a as a line end, the class scanner as text in a comment: the file is
      // Main.java and the public class in it is another.
      {"a unicode escape that hides the public class from the class scanner",
       "// \\u000apublic class Hidden {\n  public static void main(String[] args) {}\n}\n",
       {},
       "should be declared in a file named Hidden.java"},
      {"a job class named after the spare's own program",
       "public class SpareCompiler {\n  public static void main(String[] args) {\n    "
       "System.out.println(\"the job's own\");\n  }\n}\n",
       {}},
      // The output limit counts from the hand-over, as the CPU limit does.
      {"javac's messages past the output limit",
       javac_output_flood(),
       {},
       "the compiler wrote too much"},
      {"a package declaration",
       "package contest;\n\npublic class Main {\n  public static void main(String[] args) {\n    "
       "System.out.println(\"in a package\");\n  }\n}\n",
       {}},
  };
  return all;
}

}  // namespace

// The same job judged cold and through a spare: same verdict, same compiler messages, same
// test results (the program's own files, too: a spare's warm-up leaves nothing in /box).
TEST_CASE("java: a job compiled by a spare gets what the cold compiler gives it") {
  const auto index = GENERATE(range(size_t{0}, cases().size()));
  const Case& job = cases()[index];
  INFO(job.what);
  auto request = java_request(job.source, job.tests);
  request.limits.cpu_ms = 1000;
  const auto cold = cold_judge().judge(request);
  CHECK(cold_judge().spare_compilations() == 0);
  const auto warm = judge_on_spare(judge_with_spares(), request);
  INFO("cold: " << describe(cold) << "\nspare: " << describe(warm));
  CHECK(warm.verdict == cold.verdict);
  CHECK(warm.compile_output == cold.compile_output);
  REQUIRE(warm.tests.size() == cold.tests.size());
  for (size_t i = 0; i < cold.tests.size(); ++i) {
    CHECK(warm.tests[i].verdict == cold.tests[i].verdict);
    CHECK(warm.tests[i].stdout_data == cold.tests[i].stdout_data);
  }
  CHECK_THAT(warm.compile_output, Contains(job.compile_output_mentions));
}

// A class the first job compiled would be found by the second job's compile if the spare, its
// box or its /box were used again; in a new spare's box the name is unknown.
TEST_CASE("java: a spare compiles one job only, and the next job's spare sees nothing of it") {
  Judge& judge = judge_with_spares();
  const auto first = judge_on_spare(
      judge, java_request("class Leftover {}\n\npublic class Main {\n  public static void "
                          "main(String[] args) {\n    System.out.println(\"first\");\n  }\n}\n"));
  CHECK(first.verdict == Verdict::kAccepted);
  const auto second = judge_on_spare(
      judge, java_request("public class Main {\n  public static void main(String[] args) {\n    "
                          "System.out.println(new Leftover());\n  }\n}\n"));
  INFO(describe(second));
  CHECK(second.verdict == Verdict::kCompilationError);
  CHECK_THAT(second.compile_output, Contains("cannot find symbol"));
}

// The warm-up takes more CPU time than the limit (the JVM's start and two compilations: about
// 450-600 ms), while a warm compile of a hello world takes 30-50 ms; so a hello world compiles
// only because the limit counts from the hand-over. A source that keeps javac
// busy longer than the limit is stopped by it.
TEST_CASE("java: the compile time limit of a job on a spare counts from the hand-over") {
  Judge& judge = judge_with_spares(250);
  const auto hello = judge_on_spare(
      judge, java_request("public class Main {\n  public static void main(String[] args) {\n    "
                          "System.out.println(\"hello\");\n  }\n}\n"));
  CHECK(hello.verdict == Verdict::kAccepted);
  std::string big = "public class Main {\n";
  for (int i = 0; i < 3000; ++i) {
    const auto n = std::to_string(i);
    big += "  static int m" + n + "(int x) { int y = x * " + n +
           " + 1; for (int k = 0; k < 3; k++) y += k * " + n + "; return y; }\n";
  }
  big += "  public static void main(String[] args) { System.out.println(m1(2)); }\n}\n";
  const auto slow = judge_on_spare(judge, java_request(big));
  INFO(describe(slow));
  CHECK(slow.verdict == Verdict::kCompilationError);
  CHECK_THAT(slow.compile_output, Contains("compilation took longer than 250 ms"));
}

// Constant folding doubles a string 31 times: javac runs out of its heap (-Xmx of the compile
// command) on a spare as it does cold, and the job gets a compile error saying so.
TEST_CASE("java: a source that makes javac allocate past its heap fails on a spare as cold") {
  std::string source = "public class Main {\n  static final String A0 = \"aaaaaaaaaaaaaaaa\";\n";
  for (int i = 1; i < 32; ++i) {
    source += "  static final String A" + std::to_string(i) + " = A" + std::to_string(i - 1) +
              " + A" + std::to_string(i - 1) + ";\n";
  }
  source += "  public static void main(String[] args) { System.out.println(A31.length()); }\n}\n";
  check_compile_error_cold_and_on_spare(source, "java.lang.OutOfMemoryError");
}

// A source larger than the spare's stdin pipe (1 MiB) cannot be handed over: it compiles the
// cold way, with the cold result, and the ready spare is left for the next job.
TEST_CASE("java: a source too large for the spare's pipe compiles cold and keeps the spare") {
  Judge& judge = judge_with_spares();
  REQUIRE(judge.wait_for_spare_compiler("java", kReadyTimeout));
  const int64_t before = judge.spare_compilations();
  const auto request =
      java_request("// " + std::string(1100 * 1024, 'x') +
                       "\npublic class Main {\n  public static void main(String[] args) {\n    "
                       "System.out.println(\"large\");\n  }\n}\n",
                   {{"", "large\n"}});
  const auto result = judge.judge(request);
  INFO(describe(result));
  CHECK(result.verdict == Verdict::kAccepted);
  CHECK(judge.spare_compilations() == before);
  CHECK(judge.wait_for_spare_compiler("java", std::chrono::milliseconds(0)));
}

// What every spare runs (its jar, its sample, its class-data archive) is read-only to a job: a
// program that tries to write, replace or remove any of it, or to plant a file beside it, is
// refused everywhere, and the next spare compiles as before.
TEST_CASE("java: a job cannot change what the next spare runs") {
  Judge& judge = judge_with_spares();
  REQUIRE(judge.wait_for_spare_compiler("java", kReadyTimeout));
  check_python_prints(
      judge,
      "import glob, os\n"
      "paths = glob.glob('" +
          std::string(kPchDir) +
          "/java/spare-*/**', recursive=True)\n"
          "files = [p for p in paths if os.path.isfile(p)]\n"
          "attempts = [lambda p: open(p, 'r+b').write(b'x'), lambda p: os.rename(p, p + '.old'),\n"
          "            lambda p: os.unlink(p)]\n"
          "changed = 0\n"
          "plants = [os.path.join(p, 'Planted.java') for p in paths if os.path.isdir(p)]\n"
          "for path, attempt in ([(p, a) for p in files for a in attempts] +\n"
          "                      [(p, lambda p: open(p, 'wb')) for p in plants]):\n"
          "    try:\n"
          "        attempt(path)\n"
          "        changed += 1\n"
          "    except OSError:\n"
          "        pass\n"
          "print(len(files) >= 3, changed)\n",
      "True 0\n");
  const auto next = judge_on_spare(judge, java_printing("after"));
  CHECK(next.verdict == Verdict::kAccepted);
}

// A node that stops while its spare waits for a job ends the spare at once rather than after
// the spare's longest wait (ten minutes), and the sandbox runs on: a judge without spares then
// compiles the cold way.
TEST_CASE("java: stopping a judge ends its waiting spare at once, and the sandbox runs on") {
  CompileCache cache;
  {
    Judge judge(judge_sandbox(), real_languages(), cache, kPchDir);
    judge.prepare_spare_compilers();
    REQUIRE(judge.start_spare_compilers(kMaxWaitMs) == "java");
    REQUIRE(judge.wait_for_spare_compiler("java", kReadyTimeout));
  }
  Judge judge(judge_sandbox(), real_languages(), cache, kPchDir);
  const auto after = judge.judge(java_printing("after"));
  INFO(describe(after));
  CHECK(after.verdict == Verdict::kAccepted);
  CHECK(judge.spare_compilations() == 0);
}

// A source nested deeper than javac's stack: javac runs out of it on a spare as it does cold
// (the warm compiler's smaller compiled frames do not turn the error into a program), and the
// job gets a compile error saying so.
TEST_CASE("java: a source nested past javac's stack fails on a spare as cold") {
  const std::string source =
      "public class Main {\n  public static void main(String[] args) {\n"
      "    System.out.println(" +
      std::string(50'000, '(') + "1" + std::string(50'000, ')') + ");\n  }\n}\n";
  check_compile_error_cold_and_on_spare(source, "StackOverflowError");
}

// A job's program runs while the next spare waits in a box of its own: it sees no process but
// its own, and a signal to every process it may signal reaches no spare, which stays ready.
TEST_CASE("java: a job's program can neither see nor signal the waiting spare") {
  Judge& judge = judge_with_spares();
  REQUIRE(judge.wait_for_spare_compiler("java", kReadyTimeout));
  check_python_prints(
      judge,
      "import os, signal\n"
      "others = [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]\n"
      "try:\n"
      "    os.kill(-1, signal.SIGKILL)\n"
      "    reached = 'some'\n"
      "except ProcessLookupError:\n"
      "    reached = 'none'\n"
      "print(others, reached)\n",
      "[] none\n");
  CHECK(judge.wait_for_spare_compiler("java", std::chrono::milliseconds(0)));
}
