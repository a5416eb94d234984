// Judging a job: compile once, run every test case in a fresh run, compare, give verdicts.
//
// A Judge combines the sandbox, the language table and the compile cache. judge() blocks until
// the job is done or cancelled; it is thread-safe (each call takes sandbox slots as it needs
// them) and may run a job's test cases in parallel on several slots. Invalid
// jobs (unknown language, limits above the language's maxima, bad checker) throw JudgeError
// with a message for people, before anything runs; everything the program or the machine does
// comes back as verdicts, with IE for failures of the system itself: an exception while
// preparing, compiling or running a valid job becomes its IE result, never the caller's.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "judge/checker.h"
#include "judge/compile_cache.h"
#include "judge/judge_vocabulary.h"
#include "judge/languages.h"
#include "judge/spare_compilers.h"
#include "sandbox/sandbox.h"

namespace codearena::judge {

class JudgeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct TestCase {
  std::string input;
  std::optional<std::string> expected_output;  // Absent: the run only has to succeed.
};

// Per-job limits asked for by the client; unset fields take the language's defaults.
struct LimitRequest {
  std::optional<int64_t> cpu_ms;
  std::optional<int64_t> memory_bytes;
  std::optional<int64_t> output_bytes;
};

struct JudgeRequest {
  std::string language;  // Id or alias.
  std::string source;
  std::vector<TestCase> tests;  // Empty: one run with `stdin_input`, verdict from the run alone.
  std::string stdin_input;
  LimitRequest limits;
  CheckerSpec checker;
  bool stop_on_first_failure = false;
  // How many test cases may run at once, each on a slot of its own (at least 1). Results are
  // the same as a sequential run's; see Sandbox::free_slot_count() to size it.
  int parallel_tests = 1;
  // Cancelling it stops the job: no test starts any more, running ones are killed, and the
  // result has `cancelled` set. Null: the job cannot be cancelled.
  std::shared_ptr<sandbox::CancelToken> cancel_token;
  // How many bytes of each test's stdout and stderr the result keeps once `progress` has seen
  // the test whole. The rest is dropped at once, so that a job whose tests print much does not
  // hold every output until its last test ends. Default: all of it.
  size_t kept_output_bytes = std::numeric_limits<size_t>::max();
};

struct TestResult {
  Verdict verdict = Verdict::kInternalError;
  int64_t cpu_ms = 0;
  int64_t wall_ms = 0;
  int64_t memory_kb = 0;
  int exit_code = 0;
  int signal = 0;
  std::string stdout_data;  // Bounded by the output limit.
  std::string stderr_data;
  std::string message;  // Why this verdict, for people.
  // Which limit ended the run: "cpu_time", "wall_time" (it slept or blocked), "memory", "output";
  // empty when none did.
  std::string limit_exceeded;
};

struct JudgeResult {
  Verdict verdict = Verdict::kInternalError;  // First non-AC test's, else AC.
  std::string language;                       // The resolved language id.
  std::string compile_output;                 // Compiler messages (bounded).
  bool compile_cached = false;
  // Wall time of the compilation step (about 0 on a cache hit); -1 for a language that is not
  // compiled.
  int64_t compile_ms = -1;
  // One per test case, by position (numbered from 0). Under stop_on_first_failure the tests
  // after the first failure have verdict kSkipped: they did not run.
  std::vector<TestResult> tests;
  int passed = 0;
  int total = 0;
  int skipped = 0;  // Tests with verdict kSkipped.
  int64_t max_cpu_ms = 0;
  int64_t max_memory_kb = 0;
  std::string message;
  sandbox::RunLimits limits;  // The limits the runs had.
  // The job was cancelled before every test it needed had finished. `tests` then holds the
  // leading tests that did finish (none skipped), and the verdict and counts mean nothing.
  bool cancelled = false;
};

// Called after each finished test (index, result), e.g. to report progress. May be empty. Calls
// never overlap; with parallel tests they also come from the judge's worker threads and may be
// out of index order, except with stop_on_first_failure: then they come in index order and
// only for the tests that ran in the result (none for a test the result lists as skipped).
// Cancelled tests are not reported.
using TestProgress = std::function<void(size_t, const TestResult&)>;

class Judge {
 public:
  // All three must outlive the Judge. `pch_dir` is a host directory for precompiled headers and
  // class-data archives, shown read-only in the box (it must be among the sandbox's binds);
  // empty disables them.
  Judge(sandbox::Sandbox& sandbox, const LanguageTable& languages, CompileCache& cache,
        std::string pch_dir = "");

  JudgeResult judge(const JudgeRequest& request, const TestProgress& progress = {});

  // Overrides every language's compile time limit (COMPILE_TIME_LIMIT). Call before judging and
  // before start_spare_compilers().
  void set_compile_time_limit(int64_t cpu_ms) { compile_time_ms_ = cpu_ms; }

  // Builds the precompiled headers the language table asks for (C++ <bits/stdc++.h>) into
  // `pch_dir`, unless already built: see judge/precompiled_headers.h. Returns what it did, for
  // logs.
  std::string prepare_precompiled_headers();

  // Builds the class-data archives the language table asks for (javac's classes) into
  // `pch_dir`, unless already built: see judge/class_data_archives.h. Returns what it did, for
  // logs.
  std::string prepare_class_data_archives();

  // Builds the spare compilers the language table asks for (javac) into `pch_dir`, unless
  // already built: see judge/spare_compilers.h. Returns what it did, for logs.
  std::string prepare_spare_compilers();

  // From now on keeps a spare compiler ready for each language whose spare is built, each on a
  // slot of its own, and compiles a job on one when it is ready (else the cold way). A spare
  // that gets no job within `max_wait_ms` is replaced. Call once, before judging; the spares
  // stop with the Judge. Returns the languages with spares, for logs ("" for none).
  std::string start_spare_compilers(int64_t max_wait_ms);

  // Waits at most `timeout` for a spare compiler of `language_id` to be ready; false without
  // spares or when none is by then. For tests and benchmarks.
  bool wait_for_spare_compiler(const std::string& language_id,
                               std::chrono::milliseconds timeout) {
    return spares_ && spares_->wait_until_ready(language_id, timeout);
  }

  // How many compilations spare compilers have done (0 without spares).
  int64_t spare_compilations() const { return spares_ ? spares_->compilations() : 0; }

 private:
  struct Compilation;
  // judge() for a job already checked: fills `result` (language, limits and total set).
  void judge_valid_job(const Language& language, const JudgeRequest& request,
                       const TestProgress& progress, JudgeResult& result);
  Compilation compile(const Language& language, const std::string& source_name,
                      const std::string& source, const CommandValues& values,
                      const std::shared_ptr<sandbox::CancelToken>& cancel_token);
  void run_tests(const Language& language, const sandbox::RunRequest& base,
                 const std::vector<TestCase>& tests, const JudgeRequest& request,
                 const TestProgress& progress, JudgeResult& result);
  TestResult run_test(const Language& language, const sandbox::RunRequest& base,
                      const TestCase& test, const JudgeRequest& request,
                      const std::shared_ptr<sandbox::CancelToken>& cancel_token);
  Verdict check_with_program(const JudgeRequest& request, const TestCase& test,
                             const std::string& actual,
                             const std::shared_ptr<sandbox::CancelToken>& cancel_token,
                             std::string* message);

  sandbox::Sandbox& sandbox_;
  const LanguageTable& languages_;
  CompileCache& cache_;
  std::string pch_dir_;
  std::optional<int64_t> compile_time_ms_;
  std::unique_ptr<SpareCompilers> spares_;  // Declared last: its threads use the members above.
};

// The limits a job runs with: the language's defaults with the request's fields applied.
// Throws JudgeError naming the field when a value is above the language's maximum or invalid.
sandbox::RunLimits resolve_limits(const Language& language, const LimitRequest& request);

}  // namespace codearena::judge
