#include "actors/worker_pool.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <set>

#include <caf/all.hpp>

#include "actors/counted_actor.h"
#include "sandbox/cancel.h"
#include "sandbox/errors.h"

namespace codearena::actors {
namespace {

namespace sb = codearena::sandbox;

struct RunnerContext {
  int32_t index = 0;
  std::shared_ptr<SlotControl> control;
  pool_actor pool;
  judge::Judge* judge = nullptr;
  const judge::LanguageTable* languages = nullptr;
  WorkerPoolConfig config;
};

AttemptReport judge_attempt(const RunnerContext& context, const std::string& job_id,
                            int32_t attempt, const JobSpec& spec, int32_t parallel) {
  AttemptReport report;
  report.job_id = job_id;
  report.attempt = attempt;
  const auto& offered = context.config.languages;
  if (std::find(offered.begin(), offered.end(), spec.language) == offered.end()) {
    // The leader sends only jobs of the languages a node joined with: a leader of another
    // version, or a table that differs between nodes.
    report.kind = AttemptReport::Kind::kRejected;
    report.message = "the worker node " + context.config.node_id + " does not offer language " +
                     spec.language + " (WORKER_LANGUAGES)";
    return report;
  }
  if (attempt <= context.config.injected_internal_errors) {
    report.kind = AttemptReport::Kind::kInternalError;
    report.message = "injected internal error (fault injection is on)";
    return report;
  }
  const auto pool = context.pool;
  // Anonymous: the judge calls this from its own threads, not the runner's.
  const auto progress = [&](size_t index, const judge::TestResult& test) {
    caf::anon_send(pool, local_v<progress_atom>, job_id, attempt,
                   test_outcome_of(index, test, std::string::npos, spec.base64_output));
  };
  // Everything that can fail is inside: an exception leaving this runner's handler would end
  // the runner, and with it (linked) the pool.
  try {
    auto request =
        judge_request_for(spec, context.languages->find(spec.language), context.config.defaults);
    request.cancel_token = context.control->begin(job_id, attempt);
    request.parallel_tests = std::max(1, parallel);
    // One byte past the bound, so that cap_kept_output still sees what was cut.
    request.kept_output_bytes = context.config.kept_output_bytes + 1;
    const auto result = context.judge->judge(request, progress);
    if (result.cancelled) {
      report.kind = AttemptReport::Kind::kCancelled;
    } else if (result.verdict == judge::Verdict::kInternalError) {
      report.kind = AttemptReport::Kind::kInternalError;
      report.message = result.message;
    } else {
      report.kind = AttemptReport::Kind::kJudged;
      report.outcome =
          outcome_of(result, context.config.kept_output_bytes, spec.base64_output);
    }
  } catch (const judge::JudgeError& error) {
    report.kind = AttemptReport::Kind::kRejected;
    report.message = error.what();
  } catch (const std::exception& error) {
    report.kind = AttemptReport::Kind::kInternalError;
    report.message = error.what();
  } catch (...) {
    report.kind = AttemptReport::Kind::kInternalError;
    report.message = "judging failed with an exception of unknown type";
  }
  context.control->end();
  return report;
}

slot_actor::behavior_type runner(slot_actor::pointer self, RunnerContext context) {
  return {
      [=](run_atom, const std::string& job_id, int32_t attempt, const JobSpec& spec,
          int32_t parallel) {
        auto report = judge_attempt(context, job_id, attempt, spec, parallel);
        report.slot = context.index;
        // Idle first: the scheduler, freed by the report, may hand the pool its next job at once.
        self->send(context.pool, local_v<idle_atom>, context.index);
        self->send(context.pool, local_v<report_atom>, std::move(report));
      },
  };
}

using AttemptKey = std::pair<std::string, int32_t>;

struct PoolState {
  WorkerPoolConfig config;
  std::vector<slot_actor> runners;
  std::vector<std::shared_ptr<SlotControl>> controls;
  std::vector<int32_t> idle;
  std::map<AttemptKey, int32_t> running;  // (job, attempt) -> runner
  scheduler_actor leader;                 // Invalid while no leader is known.
  // Finished attempts whose report the leader has not acknowledged (persisted) yet; resent to
  // every new leader, so no result is lost with a leader.
  std::map<AttemptKey, AttemptReport> unacknowledged;
  std::set<AttemptKey> reports_in_flight;
  bool draining = false;
  caf::actor_clock::time_point drain_deadline;
  std::vector<caf::typed_response_promise<int64_t>> drain_promises;
  static constexpr const char* name = "worker_pool";
};

using pool_pointer = counted_stateful_pointer<pool_actor, PoolState>;

constexpr auto kReportTimeout = std::chrono::seconds(10);
constexpr auto kPoolTick = std::chrono::seconds(1);

void finish_drain_if_done(pool_pointer self) {
  auto& state = self->state;
  if (!state.draining || state.drain_promises.empty()) return;
  const auto unfinished = static_cast<int64_t>(state.running.size() + state.unacknowledged.size());
  if (unfinished > 0 && self->clock().now() < state.drain_deadline) return;
  for (auto& promise : state.drain_promises) promise.deliver(unfinished);
  state.drain_promises.clear();
}

void send_report(pool_pointer self, const AttemptKey& key) {
  auto& state = self->state;
  if (!state.leader || state.reports_in_flight.count(key) > 0) return;
  state.reports_in_flight.insert(key);
  const auto leader = state.leader;
  self->request(leader, kReportTimeout, report_atom::value, state.unacknowledged.at(key))
      .then(
          [=](bool) {
            self->state.reports_in_flight.erase(key);
            self->state.unacknowledged.erase(key);
            finish_drain_if_done(self);
          },
          // Kept: sent again on the next tick or to the next leader.
          [=](caf::error&) { self->state.reports_in_flight.erase(key); });
}

void send_all_reports(pool_pointer self) {
  std::vector<AttemptKey> keys;
  for (const auto& [key, report] : self->state.unacknowledged) keys.push_back(key);
  for (const auto& key : keys) send_report(self, key);
}

// Tells the leader to send this node nothing new (it drains); its answer adds nothing.
void leave(pool_pointer self) {
  self->request(self->state.leader, kReportTimeout, leave_atom::value, self->state.config.node_id)
      .then([](bool) {}, [](caf::error&) {});
}

void refuse_run(pool_pointer self, const std::string& job_id, int32_t attempt,
                const std::string& why) {
  const AttemptKey key{job_id, attempt};
  self->state.unacknowledged[key] =
      AttemptReport{job_id, attempt, AttemptReport::Kind::kNotStarted, {}, why};
  send_report(self, key);
}

pool_actor::behavior_type pool_behavior(pool_pointer self, SlotStarter start_slot,
                                        WorkerPoolConfig config) {
  self->state.config = config;
  for (int32_t i = 0; i < config.slots; ++i) {
    auto control = std::make_shared<SlotControl>();
    self->state.controls.push_back(control);
    self->state.runners.push_back(start_slot(self, i, std::move(control)));
    self->state.idle.push_back(config.slots - 1 - i);
  }
  self->delayed_send(self, kPoolTick, local_v<tick_atom>);
  return {
      [=](local<inspect_atom>) {
        const auto& state = self->state;
        return describe(
            self, "pool", "worker_pool",
            "slots busy " + std::to_string(state.running.size()) + "/" +
                std::to_string(state.runners.size()) + "; reports unacknowledged " +
                std::to_string(state.unacknowledged.size()) +
                (state.leader ? "" : "; no leader") + (state.draining ? "; draining" : ""));
      },
      [=](run_atom, const std::string& job_id, int32_t attempt, const JobSpec& spec,
          int32_t parallel) {
        auto& state = self->state;
        if (state.draining) return refuse_run(self, job_id, attempt, "the worker is leaving");
        if (state.idle.empty())
          return refuse_run(self, job_id, attempt, "the worker had no free slot for the job");
        const int32_t index = state.idle.back();
        state.idle.pop_back();
        state.running[{job_id, attempt}] = index;
        self->send(state.runners[index], run_atom::value, job_id, attempt, spec, parallel);
        if (state.leader) self->send(state.leader, run_atom::value, job_id, attempt, index);
      },
      [=](cancel_atom, const std::string& job_id, int32_t attempt) {
        const auto found = self->state.running.find({job_id, attempt});
        if (found != self->state.running.end())
          self->state.controls[found->second]->cancel(job_id, attempt);
      },
      [=](local<idle_atom>, int32_t index) {
        auto& state = self->state;
        for (auto it = state.running.begin(); it != state.running.end(); ++it) {
          if (it->second != index) continue;
          state.controls[index]->forget_early_cancel(it->first.first, it->first.second);
          state.running.erase(it);
          break;
        }
        state.idle.push_back(index);
      },
      [=](local<report_atom>, AttemptReport& report) {
        const AttemptKey key{report.job_id, report.attempt};
        self->state.unacknowledged[key] = std::move(report);
        send_report(self, key);
      },
      [=](local<progress_atom>, const std::string& job_id, int32_t attempt,
          const TestOutcome& test) {
        if (self->state.leader)
          self->send(self->state.leader, progress_atom::value, job_id, attempt, test);
      },
      [=](local<running_atom>) {
        std::vector<RunningAttempt> attempts;
        for (const auto& [key, runner] : self->state.running)
          attempts.push_back({key.first, key.second});
        for (const auto& [key, report] : self->state.unacknowledged)
          attempts.push_back({key.first, key.second});
        return attempts;
      },
      [=](local<leader_atom>, const scheduler_actor& leader) {
        auto& state = self->state;
        state.leader = leader;
        state.reports_in_flight.clear();
        if (leader && state.draining) leave(self);
        send_all_reports(self);
      },
      [=](local<drain_atom>, int64_t grace_ms) -> caf::result<int64_t> {
        auto& state = self->state;
        state.draining = true;
        state.drain_deadline = self->clock().now() + std::chrono::milliseconds(grace_ms);
        if (state.leader) leave(self);
        auto promise = self->make_response_promise<int64_t>();
        state.drain_promises.push_back(promise);
        finish_drain_if_done(self);
        return promise;
      },
      [=](local<tick_atom>) {
        send_all_reports(self);
        finish_drain_if_done(self);
        self->delayed_send(self, kPoolTick, local_v<tick_atom>);
      },
  };
}

int64_t capped(const std::optional<int64_t>& wanted, int64_t maximum) {
  return std::min(*wanted, maximum);
}

}  // namespace

std::shared_ptr<sb::CancelToken> SlotControl::begin(const std::string& job_id, int32_t attempt) {
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = {job_id, attempt};
  token_ = std::make_shared<sb::CancelToken>();
  if (early_cancels_.erase(current_) > 0) token_->cancel();
  return token_;
}

void SlotControl::end() {
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = {};
  token_.reset();
}

void SlotControl::cancel(const std::string& job_id, int32_t attempt) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (token_ && current_ == std::make_pair(job_id, attempt)) {
    token_->cancel();
  } else {
    early_cancels_.emplace(job_id, attempt);
  }
}

void SlotControl::forget_early_cancel(const std::string& job_id, int32_t attempt) {
  std::lock_guard<std::mutex> lock(mutex_);
  early_cancels_.erase({job_id, attempt});
}

pool_actor spawn_worker_pool(caf::actor_system& system, SlotStarter start_slot,
                             WorkerPoolConfig config) {
  return system.spawn(pool_behavior, std::move(start_slot), config);
}

pool_actor spawn_worker_pool(caf::actor_system& system, judge::Judge& judge,
                             const judge::LanguageTable& languages, WorkerPoolConfig config) {
  // Judging blocks: each runner gets its own thread (detached), and ends with its pool (linked).
  const auto start_runner = [judge = &judge, languages = &languages, config](
                                pool_actor::pointer pool, int32_t index,
                                std::shared_ptr<SlotControl> control) -> slot_actor {
    RunnerContext context{index, std::move(control), pool, judge, languages, config};
    return pool->spawn<caf::detached + caf::linked>(runner, std::move(context));
  };
  return spawn_worker_pool(system, start_runner, config);
}

judge::JudgeRequest judge_request_for(const JobSpec& spec, const judge::Language* language,
                                      const DefaultLimits& defaults) {
  judge::JudgeRequest request;
  request.language = spec.language;
  request.source = spec.code;
  request.stdin_input = spec.input;
  for (const auto& test : spec.tests) {
    request.tests.push_back({test.input, test.expected_output});
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
  request.checker.kind = spec.checker;
  request.checker.absolute_epsilon = spec.checker_absolute_epsilon;
  request.checker.relative_epsilon = spec.checker_relative_epsilon;
  request.checker.custom_language = spec.checker_language;
  request.checker.custom_source = spec.checker_code;
  request.stop_on_first_failure = spec.stop_on_first_failure;
  return request;
}

TestOutcome test_outcome_of(size_t index, const judge::TestResult& test, size_t copied_bytes,
                            bool base64_output) {
  TestOutcome outcome;
  outcome.index = static_cast<int32_t>(index);
  outcome.verdict = test.verdict;
  outcome.cpu_ms = test.cpu_ms;
  outcome.wall_ms = test.wall_ms;
  outcome.memory_kb = test.memory_kb;
  outcome.exit_code = test.exit_code;
  outcome.signal = test.signal != 0 ? sb::signal_name(test.signal) : "";
  outcome.stdout_data = test.stdout_data.substr(0, copied_bytes);
  outcome.stderr_data = test.stderr_data.substr(0, copied_bytes);
  outcome.message = test.message;
  outcome.limit_exceeded = test.limit_exceeded;
  outcome.base64_output = base64_output;
  return outcome;
}

JobOutcome outcome_of(const judge::JudgeResult& result, size_t kept_output_bytes,
                      bool base64_output) {
  JobOutcome outcome;
  outcome.verdict = result.verdict;
  outcome.language = result.language;
  outcome.compile_output = result.compile_output;
  outcome.compile_cached = result.compile_cached;
  outcome.compile_ms = result.compile_ms;
  for (size_t i = 0; i < result.tests.size(); ++i)
    // One byte past the bound, so that cap_kept_output sees what was cut and where.
    outcome.tests.push_back(
        test_outcome_of(i, result.tests[i], kept_output_bytes + 1, base64_output));
  cap_kept_output(outcome, kept_output_bytes);
  outcome.passed = result.passed;
  outcome.total = result.total;
  outcome.skipped = result.skipped;
  outcome.max_cpu_ms = result.max_cpu_ms;
  outcome.max_memory_kb = result.max_memory_kb;
  outcome.message = result.message;
  outcome.time_limit_ms = result.limits.cpu_ms;
  outcome.memory_limit_bytes = result.limits.memory_bytes;
  outcome.output_limit_bytes = result.limits.output_bytes;
  outcome.wall_limit_ms = result.limits.wall_limit_ms();
  return outcome;
}

}  // namespace codearena::actors
