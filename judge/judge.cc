#include "judge/judge.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>

#include "judge/class_data_archives.h"
#include "judge/precompiled_headers.h"

namespace codearena::judge {
namespace {

constexpr size_t kCompileOutputBytes = 16 * 1024;

std::string bounded(const std::string& text, size_t limit) {
  if (text.size() <= limit) return text;
  return text.substr(0, limit) + "\n[... " + std::to_string(text.size() - limit) + " more bytes]";
}

Verdict verdict_of(sandbox::RunStatus status) {
  switch (status) {
    case sandbox::RunStatus::kOk:
      return Verdict::kAccepted;
    case sandbox::RunStatus::kRuntimeError:
    case sandbox::RunStatus::kSignaled:
      return Verdict::kRuntimeError;
    case sandbox::RunStatus::kCpuTimeLimit:
    case sandbox::RunStatus::kWallTimeLimit:
      return Verdict::kTimeLimit;
    case sandbox::RunStatus::kMemoryLimit:
      return Verdict::kMemoryLimit;
    case sandbox::RunStatus::kOutputLimit:
      return Verdict::kOutputLimit;
    case sandbox::RunStatus::kSecurityViolation:
      return Verdict::kSecurityViolation;
    case sandbox::RunStatus::kInternalError:
    case sandbox::RunStatus::kCancelled:  // Never shown: the judge drops the results of cancelled
                                          // runs.
      return Verdict::kInternalError;
  }
  return Verdict::kInternalError;
}

// Why a compilation that did not succeed failed, in the compiler's words where it has some.
std::string compile_failure_message(const sandbox::RunResult& run,
                                    const sandbox::RunLimits& limits) {
  switch (run.status) {
    case sandbox::RunStatus::kCpuTimeLimit:
    case sandbox::RunStatus::kWallTimeLimit:
      return "compilation took longer than " + std::to_string(limits.cpu_ms) + " ms";
    case sandbox::RunStatus::kMemoryLimit:
      return "compilation used more than " + std::to_string(limits.memory_bytes >> 20) + " MiB";
    case sandbox::RunStatus::kOutputLimit:
      return "the compiler wrote too much (or too large a file)";
    case sandbox::RunStatus::kSecurityViolation:
      return "the compiler made a blocked system call: " + run.violation;
    default:
      return "compilation failed: " + run.message;
  }
}

// Which limit a run's status says ended it; empty for none (see TestResult::limit_exceeded).
const char* limit_exceeded(sandbox::RunStatus status) {
  switch (status) {
    case sandbox::RunStatus::kCpuTimeLimit:
      return "cpu_time";
    case sandbox::RunStatus::kWallTimeLimit:
      return "wall_time";
    case sandbox::RunStatus::kMemoryLimit:
      return "memory";
    case sandbox::RunStatus::kOutputLimit:
      return "output";
    default:
      return "";
  }
}

// Fills `tests` up to `count` with results of the tests that did not run because the last one
// in it failed (stop_on_first_failure).
void add_skipped_tests(std::vector<TestResult>& tests, size_t count) {
  if (tests.empty() || tests.size() >= count) return;
  TestResult skipped;
  skipped.verdict = Verdict::kSkipped;
  skipped.message = "not run: test " + std::to_string(tests.size() - 1) + " failed";
  tests.resize(count, skipped);
}

// The job's verdict (its first non-AC test's), message, count of passed and skipped tests and
// maxima, from its tests. Tests are numbered from 0, as their index.
void tally_tests(JudgeResult& result) {
  result.verdict = Verdict::kAccepted;
  for (size_t i = 0; i < result.tests.size(); ++i) {
    const TestResult& test = result.tests[i];
    if (test.verdict == Verdict::kAccepted) ++result.passed;
    if (test.verdict == Verdict::kSkipped) {
      ++result.skipped;
      continue;
    }
    if (result.verdict == Verdict::kAccepted && test.verdict != Verdict::kAccepted) {
      result.verdict = test.verdict;
      result.message = "test " + std::to_string(i) + ": " + test.message;
    }
    result.max_cpu_ms = std::max(result.max_cpu_ms, test.cpu_ms);
    result.max_memory_kb = std::max(result.max_memory_kb, test.memory_kb);
  }
}

// Drops all but the first `bytes` of the test's stdout and stderr, and gives the memory back.
void keep_output_prefix(TestResult& test, size_t bytes) {
  for (std::string* data : {&test.stdout_data, &test.stderr_data}) {
    if (data->size() <= bytes) continue;
    data->resize(bytes);
    data->shrink_to_fit();
  }
}

// Shares a job's tests among the threads that run them: hands out indices in order, keeps each
// result by index, and stops handing them out once the job is stopped (cancelled) or, with
// stop_on_first_failure, a test failed; then it also cancels the running tests after the
// failing one, whose results a sequential run would not have. With stop_on_first_failure it
// releases results for progress in index order only, so that no test is reported that the
// result lists as skipped. Thread-safe.
class TestSchedule {
 public:
  struct Claim {
    size_t index;
    std::shared_ptr<sandbox::CancelToken> token;  // What the test's runs watch.
  };

  TestSchedule(size_t count, bool stop_on_first_failure)
      : results_(count), stop_on_first_failure_(stop_on_first_failure) {}

  // The next test to run; nothing when no test is to start any more.
  std::optional<Claim> next() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_ || first_failure_ != kNone || next_ == results_.size()) return std::nullopt;
    Claim claim{next_++, std::make_shared<sandbox::CancelToken>()};
    running_.emplace(claim.index, claim.token);
    return claim;
  }

  struct Due {
    size_t index;
    TestResult* result;  // Stable until take_results(), and the caller's alone until then.
  };

  // Records the result of a claimed test (dropped when cancelled or after a failure) and
  // returns the results now due for progress, each once: this one, or with
  // stop_on_first_failure those of the leading tests that are all done, up to the failure.
  std::vector<Due> finish(const Claim& claim, TestResult result) {
    std::lock_guard<std::mutex> lock(mutex_);
    running_.erase(claim.index);
    if (claim.token->cancelled() || claim.index > first_failure_) return {};
    if (stop_on_first_failure_ && result.verdict != Verdict::kAccepted) {
      first_failure_ = claim.index;  // Lower than any earlier one: those were dropped above.
      for (const auto& [index, token] : running_) {
        if (index > claim.index) token->cancel();
      }
    }
    results_[claim.index] = std::move(result);
    if (!stop_on_first_failure_) return {{claim.index, &*results_[claim.index]}};
    std::vector<Due> due;
    for (; next_due_ < results_.size() && next_due_ <= first_failure_ && results_[next_due_];
         ++next_due_) {
      due.push_back({next_due_, &*results_[next_due_]});
    }
    return due;
  }

  // No test starts any more; running ones are cancelled.
  void stop() {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    for (const auto& [index, token] : running_) token->cancel();
  }

  // The results a sequential run would have, in index order, once every thread is done: up to
  // the first failure with stop_on_first_failure, else all. Stops early at a test without a
  // result (cancelled) and then sets *complete to false.
  std::vector<TestResult> take_results(bool* complete) {
    std::lock_guard<std::mutex> lock(mutex_);
    const size_t end = first_failure_ == kNone ? results_.size() : first_failure_ + 1;
    std::vector<TestResult> taken;
    for (size_t i = 0; i < end && results_[i]; ++i) taken.push_back(std::move(*results_[i]));
    *complete = taken.size() == end;
    return taken;
  }

 private:
  static constexpr size_t kNone = std::numeric_limits<size_t>::max();

  std::mutex mutex_;
  std::vector<std::optional<TestResult>> results_;
  std::map<size_t, std::shared_ptr<sandbox::CancelToken>> running_;
  const bool stop_on_first_failure_;
  size_t next_ = 0;
  size_t next_due_ = 0;  // With stop_on_first_failure: the first test not yet due for progress.
  size_t first_failure_ = kNone;
  bool stopped_ = false;
};

}  // namespace

sandbox::RunLimits resolve_limits(const Language& language, const LimitRequest& request) {
  sandbox::RunLimits limits = language.default_limits;
  const auto apply = [&](const std::optional<int64_t>& asked, int64_t maximum, int64_t& field,
                         const char* what, const char* unit) {
    if (!asked) return;
    if (*asked <= 0) throw JudgeError(std::string(what) + " must be positive");
    if (*asked > maximum) {
      throw JudgeError(std::string(what) + " of " + std::to_string(*asked) + " " + unit +
                       " is above the maximum of " + std::to_string(maximum) + " " + unit +
                       " for " + language.id);
    }
    field = *asked;
  };
  apply(request.cpu_ms, language.max_limits.cpu_ms, limits.cpu_ms, "time limit", "ms");
  apply(request.memory_bytes, language.max_limits.memory_bytes, limits.memory_bytes, "memory limit",
        "bytes");
  apply(request.output_bytes, language.max_limits.output_bytes, limits.output_bytes, "output limit",
        "bytes");
  if (const auto problem = limits.problem(); !problem.empty())
    throw JudgeError("invalid limits: " + problem);
  return limits;
}

struct Judge::Compilation {
  Verdict failure = Verdict::kAccepted;  // Not kAccepted: the compilation failed so.
  bool cancelled = false;                // The job was cancelled during it (failure is IE).
  std::string output;
  bool cached = false;
  std::shared_ptr<const CompiledProgram> program;
};

Judge::Judge(sandbox::Sandbox& sandbox, const LanguageTable& languages, CompileCache& cache,
             std::string pch_dir)
    : sandbox_(sandbox), languages_(languages), cache_(cache), pch_dir_(std::move(pch_dir)) {}

Judge::Compilation Judge::compile(const Language& language, const std::string& source_name,
                                  const std::string& source, const CommandValues& values,
                                  const std::shared_ptr<sandbox::CancelToken>& cancel_token) {
  Compilation result;
  const auto command = expand_command(language.compile, values);
  const auto key =
      CompileCache::key({language.id, language.version, CompileCache::command_key_part(command),
                         source_name, source});
  if (auto cached = cache_.find(key)) {
    result.cached = true;
    result.output = cached->compiler_output;
    result.program = std::move(cached);
    return result;
  }
  sandbox::RunRequest request;
  request.argv = command;
  request.files.push_back({source_name, source, "", false});
  request.collect = language.artifacts;
  request.limits = language.compile_limits;
  if (compile_time_ms_) request.limits.cpu_ms = *compile_time_ms_;
  request.network_calls = language.network_calls;
  request.cancel_token = cancel_token;
  std::optional<sandbox::RunResult> warm;
  if (spares_) warm = spares_->compile(language, source_name, source, cancel_token);
  const sandbox::RunResult run = warm ? std::move(*warm) : sandbox_.run(request);
  result.output = bounded(run.stdout_data + run.stderr_data, kCompileOutputBytes);
  if (run.status == sandbox::RunStatus::kInternalError ||
      run.status == sandbox::RunStatus::kCancelled) {
    result.cancelled = run.status == sandbox::RunStatus::kCancelled;
    result.failure = Verdict::kInternalError;
    result.output = run.message;
    return result;
  }
  if (run.status != sandbox::RunStatus::kOk || run.collected.empty()) {
    result.failure = Verdict::kCompilationError;
    if (run.status != sandbox::RunStatus::kRuntimeError)
      result.output = compile_failure_message(run, request.limits) + "\n" + result.output;
    if (run.status == sandbox::RunStatus::kOk)
      result.output += "\nthe compiler produced no program";
    return result;
  }
  // A program of which only part could be kept (more class files than a run hands back, say)
  // would fail later in a way its author could not understand.
  if (!run.uncollected.empty()) {
    result.failure = Verdict::kCompilationError;
    result.output += "\nthe compiler's output could not all be kept: " + run.uncollected;
    return result;
  }
  CompiledProgram program{run.collected, result.output};
  cache_.put(key, program);
  result.program = std::make_shared<const CompiledProgram>(std::move(program));
  return result;
}

JudgeResult Judge::judge(const JudgeRequest& request, const TestProgress& progress) {
  const Language* language = languages_.find(request.language);
  if (language == nullptr) throw JudgeError("unknown language '" + request.language + "'");
  if (request.checker.kind == CheckerKind::kCustom &&
      languages_.find(request.checker.custom_language) == nullptr) {
    throw JudgeError("unknown language '" + request.checker.custom_language +
                     "' for the custom checker");
  }
  if (request.parallel_tests < 1) throw JudgeError("parallel_tests must be at least 1");
  JudgeResult result;
  result.language = language->id;
  result.limits = resolve_limits(*language, request.limits);
  result.total = static_cast<int>(std::max<size_t>(1, request.tests.size()));
  // From here on the job is valid: whatever fails is this job's internal error, never the
  // caller's exception (a worker thread, an actor).
  try {
    judge_valid_job(*language, request, progress, result);
  } catch (const std::exception& error) {
    result.verdict = Verdict::kInternalError;
    result.message = std::string("the judge failed: ") + error.what();
    result.tests.clear();
    result.passed = 0;
    result.skipped = 0;
    result.cancelled = false;
  }
  return result;
}

void Judge::judge_valid_job(const Language& language, const JudgeRequest& request,
                            const TestProgress& progress, JudgeResult& result) {
  CommandValues values;
  values.main_class = find_main_class(language, request.source);
  values.source = expand_command({language.source_name}, values).at(0);
  values.memory_mb = result.limits.memory_bytes >> 20;
  values.heap_reserve_mb = language.heap_reserve_mb;
  values.pch_include = precompiled_header_include(language, pch_dir_);
  values.class_data_archive = class_data_archive_option(language, pch_dir_);

  sandbox::RunRequest base;
  base.argv = expand_command(language.run, values);
  base.limits = result.limits;
  base.network_calls = language.network_calls;
  if (language.compiled()) {
    const auto compile_start = std::chrono::steady_clock::now();
    const Compilation compiled =
        compile(language, values.source, request.source, values, request.cancel_token);
    result.compile_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - compile_start)
                            .count();
    result.compile_output = compiled.output;
    result.compile_cached = compiled.cached;
    if (compiled.failure != Verdict::kAccepted) {
      result.cancelled = compiled.cancelled;
      result.verdict = compiled.failure;
      result.message =
          compiled.failure == Verdict::kCompilationError ? "compilation failed" : compiled.output;
      return;
    }
    for (const auto& [name, content] : compiled.program->artifacts)
      base.files.push_back({name, content, "", true});
  } else {
    base.files.push_back({values.source, request.source, "", false});
  }

  const std::vector<TestCase> single = {TestCase{request.stdin_input, std::nullopt}};
  const auto& tests = request.tests.empty() ? single : request.tests;
  run_tests(language, base, tests, request, progress, result);
}

void Judge::run_tests(const Language& language, const sandbox::RunRequest& base,
                      const std::vector<TestCase>& tests, const JudgeRequest& request,
                      const TestProgress& progress, JudgeResult& result) {
  TestSchedule schedule(tests.size(), request.stop_on_first_failure);
  const auto stop_when_cancelled = request.cancel_token
                                       ? request.cancel_token->on_cancel([&] { schedule.stop(); })
                                       : sandbox::CancelToken::Subscription();
  std::mutex progress_mutex;
  std::mutex failure_mutex;
  std::exception_ptr failure;
  const auto work = [&] {
    try {
      while (const auto claim = schedule.next()) {
        TestResult test = run_test(language, base, tests[claim->index], request, claim->token);
        for (const auto& due : schedule.finish(*claim, std::move(test))) {
          if (progress) {
            std::lock_guard<std::mutex> lock(progress_mutex);
            progress(due.index, *due.result);
          }
          keep_output_prefix(*due.result, request.kept_output_bytes);
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      schedule.stop();
    }
  };
  // The caller's thread is one of the workers.
  const size_t workers =
      std::min<size_t>(static_cast<size_t>(request.parallel_tests), tests.size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < workers; ++i) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // Out of threads: fewer workers only make the job slower.
    }
  }
  work();
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);

  bool complete = false;
  result.tests = schedule.take_results(&complete);
  result.cancelled = !complete;
  if (complete) add_skipped_tests(result.tests, tests.size());
  tally_tests(result);
}

TestResult Judge::run_test(const Language& language, const sandbox::RunRequest& base,
                           const TestCase& test, const JudgeRequest& request,
                           const std::shared_ptr<sandbox::CancelToken>& cancel_token) {
  sandbox::RunRequest run_request = base;
  run_request.stdin_content = test.input;
  run_request.cancel_token = cancel_token;
  const sandbox::RunResult run = sandbox_.run(run_request);
  TestResult result;
  result.verdict = verdict_of(run.status);
  result.cpu_ms = run.cpu_ms;
  result.wall_ms = run.wall_ms;
  result.memory_kb = run.memory_kb;
  result.exit_code = run.exit_code;
  result.signal = run.signal;
  result.stdout_data = run.stdout_data;
  result.stderr_data = run.stderr_data;
  result.message = run.message;
  result.limit_exceeded = limit_exceeded(run.status);
  if (result.verdict == Verdict::kRuntimeError && !language.memory_error_pattern.empty() &&
      run.stderr_data.find(language.memory_error_pattern) != std::string::npos) {
    result.verdict = Verdict::kMemoryLimit;
    result.limit_exceeded = "memory";
    result.message = "the runtime ran out of memory (" + language.memory_error_pattern + ")";
  }
  if (result.verdict != Verdict::kAccepted || !test.expected_output) return result;
  if (request.checker.kind == CheckerKind::kCustom) {
    result.verdict =
        check_with_program(request, test, run.stdout_data, cancel_token, &result.message);
  } else {
    const auto outcome = compare_output(request.checker, *test.expected_output, run.stdout_data);
    result.verdict = outcome.accepted ? Verdict::kAccepted : Verdict::kWrongAnswer;
    result.message = outcome.message;
  }
  return result;
}

Verdict Judge::check_with_program(const JudgeRequest& request, const TestCase& test,
                                  const std::string& actual,
                                  const std::shared_ptr<sandbox::CancelToken>& cancel_token,
                                  std::string* message) {
  const Language& language = *languages_.find(request.checker.custom_language);
  CommandValues values;
  values.main_class = find_main_class(language, request.checker.custom_source);
  values.source = expand_command({language.source_name}, values).at(0);
  values.memory_mb = language.default_limits.memory_bytes >> 20;
  values.heap_reserve_mb = language.heap_reserve_mb;
  sandbox::RunRequest checker;
  checker.argv = expand_command(language.run, values);
  for (const char* file : {"input.txt", "expected.txt", "actual.txt"}) checker.argv.push_back(file);
  checker.limits = language.default_limits;
  checker.network_calls = language.network_calls;
  checker.cancel_token = cancel_token;
  if (language.compiled()) {
    const auto compiled =
        compile(language, values.source, request.checker.custom_source, values, cancel_token);
    if (compiled.failure != Verdict::kAccepted) {
      *message = "the custom checker does not compile: " + compiled.output;
      return Verdict::kInternalError;
    }
    for (const auto& [name, content] : compiled.program->artifacts)
      checker.files.push_back({name, content, "", true});
  } else {
    checker.files.push_back({values.source, request.checker.custom_source, "", false});
  }
  checker.files.push_back({"input.txt", test.input, "", false});
  checker.files.push_back({"expected.txt", test.expected_output.value_or(""), "", false});
  checker.files.push_back({"actual.txt", actual, "", false});
  const sandbox::RunResult run = sandbox_.run(checker);
  *message = bounded(run.stdout_data + run.stderr_data, 1024);
  if (run.status == sandbox::RunStatus::kOk) return Verdict::kAccepted;
  if (run.status == sandbox::RunStatus::kRuntimeError && run.exit_code == 1)
    return Verdict::kWrongAnswer;
  *message = "the custom checker failed (" + std::string(sandbox::status_name(run.status)) +
             "): " + run.message;
  return Verdict::kInternalError;
}

std::string Judge::prepare_precompiled_headers() {
  return judge::prepare_precompiled_headers(languages_, pch_dir_);
}

std::string Judge::prepare_class_data_archives() {
  return judge::prepare_class_data_archives(languages_, pch_dir_);
}

std::string Judge::prepare_spare_compilers() {
  return judge::prepare_spare_compilers(languages_, pch_dir_);
}

std::string Judge::start_spare_compilers(int64_t max_wait_ms) {
  spares_ = std::make_unique<SpareCompilers>(sandbox_, languages_, pch_dir_, compile_time_ms_,
                                             max_wait_ms);
  return spares_->languages();
}

}  // namespace codearena::judge
