#include "actors/worker_pool.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>

#include <caf/all.hpp>

#include "sandbox/cancel.h"
#include "sandbox/errors.h"

namespace codearena::actors {
namespace {

namespace sb = codearena::sandbox;

using runner_actor =
    caf::typed_actor<caf::reacts_to<run_atom, std::string, int32_t, JobSpec, int32_t>>;

// What the pool and one runner share: the attempt the runner is on and its cancel token. A
// cancel may arrive before the runner takes the attempt from its mailbox; it is remembered.
class RunnerControl {
 public:
  std::shared_ptr<sb::CancelToken> begin(const std::string& job_id, int32_t attempt) {
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = {job_id, attempt};
    token_ = std::make_shared<sb::CancelToken>();
    if (early_cancels_.erase(current_) > 0) token_->cancel();
    return token_;
  }

  void end() {
    std::lock_guard<std::mutex> lock(mutex_);
    current_ = {};
    token_.reset();
  }

  void cancel(const std::string& job_id, int32_t attempt) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (token_ && current_ == std::make_pair(job_id, attempt)) {
      token_->cancel();
    } else {
      early_cancels_.emplace(job_id, attempt);
    }
  }

  void forget_early_cancel(const std::string& job_id, int32_t attempt) {
    std::lock_guard<std::mutex> lock(mutex_);
    early_cancels_.erase({job_id, attempt});
  }

 private:
  std::mutex mutex_;
  std::pair<std::string, int32_t> current_;
  std::shared_ptr<sb::CancelToken> token_;
  std::set<std::pair<std::string, int32_t>> early_cancels_;
};

struct RunnerContext {
  int32_t index = 0;
  std::shared_ptr<RunnerControl> control;
  scheduler_actor scheduler;
  worker_actor pool;
  sb::Judge* judge = nullptr;
  const sb::LanguageTable* languages = nullptr;
  WorkerPoolConfig config;
};

AttemptReport judge_attempt(const RunnerContext& context, const std::string& job_id,
                            int32_t attempt, const JobSpec& spec, int32_t parallel) {
  AttemptReport report;
  report.job_id = job_id;
  report.attempt = attempt;
  if (attempt <= context.config.injected_internal_errors) {
    report.kind = AttemptReport::Kind::kInternalError;
    report.message = "injected internal error (fault injection is on)";
    return report;
  }
  auto request = judge_request_for(spec, context.languages->find(spec.language),
                                   context.config.defaults);
  request.cancel_token = context.control->begin(job_id, attempt);
  request.parallel_tests = std::max(1, parallel);
  const auto scheduler = context.scheduler;
  const auto progress = [&](size_t index, const sb::TestResult& test) {
    caf::anon_send(scheduler, progress_atom::value, job_id, attempt,
                   test_outcome_of(index, test));
  };
  try {
    const auto result = context.judge->judge(request, progress);
    if (result.cancelled) {
      report.kind = AttemptReport::Kind::kCancelled;
    } else if (result.verdict == sb::Verdict::kInternalError) {
      report.kind = AttemptReport::Kind::kInternalError;
      report.message = result.message;
    } else {
      report.kind = AttemptReport::Kind::kJudged;
      report.outcome = outcome_of(result);
    }
  } catch (const sb::JudgeError& error) {
    report.kind = AttemptReport::Kind::kRejected;
    report.message = error.what();
  } catch (const std::exception& error) {
    report.kind = AttemptReport::Kind::kInternalError;
    report.message = error.what();
  }
  context.control->end();
  return report;
}

runner_actor::behavior_type runner(runner_actor::pointer self, RunnerContext context) {
  return {
      [=](run_atom, const std::string& job_id, int32_t attempt, const JobSpec& spec,
          int32_t parallel) {
        auto report = judge_attempt(context, job_id, attempt, spec, parallel);
        // The pool must see this runner idle before the scheduler, freed by the report, can
        // hand the pool its next job: local sends are enqueued in order, so idle goes first.
        self->send(context.pool, idle_atom::value, context.index);
        self->send(context.scheduler, report_atom::value, std::move(report));
      },
  };
}

struct PoolState {
  std::vector<runner_actor> runners;
  std::vector<std::shared_ptr<RunnerControl>> controls;
  std::vector<int32_t> idle;
  std::map<std::pair<std::string, int32_t>, int32_t> running;  // (job, attempt) -> runner
  static constexpr const char* name = "worker_pool";
};

using pool_pointer = worker_actor::stateful_pointer<PoolState>;

worker_actor::behavior_type pool_behavior(pool_pointer self, scheduler_actor scheduler,
                                          sb::Judge* judge, const sb::LanguageTable* languages,
                                          WorkerPoolConfig config) {
  for (int32_t i = 0; i < config.slots; ++i) {
    RunnerContext context{i,     std::make_shared<RunnerControl>(), scheduler, self, judge,
                          languages, config};
    self->state.controls.push_back(context.control);
    self->state.runners.push_back(
        self->spawn<caf::detached + caf::linked>(runner, std::move(context)));
    self->state.idle.push_back(config.slots - 1 - i);
  }
  self->send(scheduler, join_atom::value, worker_actor{self}, config.slots);
  return {
      [=](run_atom, const std::string& job_id, int32_t attempt, const JobSpec& spec,
          int32_t parallel) {
        auto& state = self->state;
        if (state.idle.empty()) {
          AttemptReport report{job_id, attempt, AttemptReport::Kind::kInternalError, {},
                               "the worker had no free slot for the job"};
          self->send(scheduler, report_atom::value, report);
          return;
        }
        const int32_t index = state.idle.back();
        state.idle.pop_back();
        state.running[{job_id, attempt}] = index;
        self->send(state.runners[index], run_atom::value, job_id, attempt, spec, parallel);
      },
      [=](cancel_atom, const std::string& job_id, int32_t attempt) {
        const auto found = self->state.running.find({job_id, attempt});
        if (found != self->state.running.end())
          self->state.controls[found->second]->cancel(job_id, attempt);
      },
      [=](idle_atom, int32_t index) {
        auto& state = self->state;
        for (auto it = state.running.begin(); it != state.running.end(); ++it) {
          if (it->second != index) continue;
          state.controls[index]->forget_early_cancel(it->first.first, it->first.second);
          state.running.erase(it);
          break;
        }
        state.idle.push_back(index);
      },
  };
}

int64_t capped(const std::optional<int64_t>& wanted, int64_t maximum) {
  return std::min(*wanted, maximum);
}

}  // namespace

worker_actor spawn_worker_pool(caf::actor_system& system, scheduler_actor scheduler,
                               sb::Judge& judge, const sb::LanguageTable& languages,
                               WorkerPoolConfig config) {
  return system.spawn(pool_behavior, std::move(scheduler), &judge, &languages, config);
}

sb::JudgeRequest judge_request_for(const JobSpec& spec, const sb::Language* language,
                                   const DefaultLimits& defaults) {
  sb::JudgeRequest request;
  request.language = spec.language;
  request.source = spec.code;
  request.stdin_input = spec.input;
  for (const auto& test : spec.tests) {
    request.tests.push_back({test.input, test.has_expected_output
                                             ? std::optional<std::string>(test.expected_output)
                                             : std::nullopt});
  }
  if (spec.time_limit_ms >= 0) {
    request.limits.cpu_ms = spec.time_limit_ms;
  } else if (defaults.time_ms && language) {
    request.limits.cpu_ms = capped(defaults.time_ms, language->max_limits.cpu_ms);
  }
  if (spec.memory_limit_bytes >= 0) {
    request.limits.memory_bytes = spec.memory_limit_bytes;
  } else if (defaults.memory_bytes && language) {
    request.limits.memory_bytes = capped(defaults.memory_bytes, language->max_limits.memory_bytes);
  }
  if (spec.output_limit_bytes >= 0) {
    request.limits.output_bytes = spec.output_limit_bytes;
  } else if (defaults.output_bytes && language) {
    request.limits.output_bytes = capped(defaults.output_bytes, language->max_limits.output_bytes);
  }
  request.checker.kind = sb::parse_checker_kind(spec.checker).value_or(sb::CheckerKind::kDefault);
  request.checker.absolute_epsilon = spec.checker_absolute_epsilon;
  request.checker.relative_epsilon = spec.checker_relative_epsilon;
  request.checker.custom_language = spec.checker_language;
  request.checker.custom_source = spec.checker_code;
  request.stop_on_first_failure = spec.stop_on_first_failure;
  return request;
}

TestOutcome test_outcome_of(size_t index, const sb::TestResult& test) {
  TestOutcome outcome;
  outcome.index = static_cast<int32_t>(index);
  outcome.verdict = sb::verdict_code(test.verdict);
  outcome.cpu_ms = test.cpu_ms;
  outcome.wall_ms = test.wall_ms;
  outcome.memory_kb = test.memory_kb;
  outcome.exit_code = test.exit_code;
  outcome.signal = test.signal != 0 ? sb::signal_name(test.signal) : "";
  outcome.stdout_data = test.stdout_data;
  outcome.stderr_data = test.stderr_data;
  outcome.message = test.message;
  return outcome;
}

JobOutcome outcome_of(const sb::JudgeResult& result) {
  JobOutcome outcome;
  outcome.verdict = sb::verdict_code(result.verdict);
  outcome.language = result.language;
  outcome.compile_output = result.compile_output;
  outcome.compile_cached = result.compile_cached;
  for (size_t i = 0; i < result.tests.size(); ++i)
    outcome.tests.push_back(test_outcome_of(i, result.tests[i]));
  outcome.passed = result.passed;
  outcome.total = result.total;
  outcome.max_cpu_ms = result.max_cpu_ms;
  outcome.max_memory_kb = result.max_memory_kb;
  outcome.message = result.message;
  outcome.time_limit_ms = result.limits.cpu_ms;
  outcome.memory_limit_bytes = result.limits.memory_bytes;
  outcome.output_limit_bytes = result.limits.output_bytes;
  return outcome;
}

}  // namespace codearena::actors
