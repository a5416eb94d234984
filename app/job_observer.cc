#include "app/job_observer.h"

#include "common/json_text.h"
#include "http/job_json.h"

namespace codearena::app {
namespace {

const std::vector<double> kSecondsBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,  0.5,    1,     2.5,  5,     10,   30, 60};

double seconds_between(int64_t from_ms, int64_t to_ms) {
  return static_cast<double>(to_ms - from_ms) / 1000.0;
}

bool internal_error_ended_attempt(const actors::JobStatus& status) {
  // A retry (queued again after an attempt) or a failure after the last attempt.
  return (status.state == actors::JobState::kQueued && status.attempts > 0) ||
         (status.state == actors::JobState::kFailed &&
          status.failed_reason.rfind("internal error", 0) == 0);
}

}  // namespace

JobObserver::JobObserver(telemetry::Registry& registry, telemetry::Logger& logger,
                         webhooks::WebhookSender& webhooks)
    : logger_(logger),
      webhooks_(webhooks),
      jobs_(registry.counter("codearena_jobs_total",
                             "Jobs that reached a final state, by language, state and verdict.",
                             {"language", "state", "verdict"})),
      queue_wait_(registry.histogram(
          "codearena_job_queue_wait_seconds",
          "Time from submission to the start of a job's first attempt, by language.",
          {"language"}, kSecondsBuckets)),
      compile_duration_(registry.histogram(
          "codearena_job_compile_duration_seconds",
          "Wall time of the compilation step of judged jobs of compiled languages (near zero "
          "on a compile cache hit), by language.",
          {"language"}, kSecondsBuckets)),
      compile_cache_(registry.counter(
          "codearena_compile_cache_lookups_total",
          "Compilations of judged jobs, by language and whether the compile cache had the "
          "program (result=hit) or it was compiled (result=miss).",
          {"language", "result"})),
      run_duration_(registry.histogram("codearena_job_run_duration_seconds",
                                       "Time from a job's start to its final state (compile and "
                                       "every test), by language and verdict.",
                                       {"language", "verdict"}, kSecondsBuckets)),
      internal_errors_(registry
                           .counter("codearena_sandbox_internal_errors_total",
                                    "Attempts that ended with an internal error of the system.")
                           .with()),
      webhooks_refused_(registry
                            .counter("codearena_webhooks_dropped_total",
                                     "Webhooks not queued because the delivery queue was full.")
                            .with()) {}

void JobObserver::operator()(const actors::JobEvent& event, const actors::JobSpec& spec) {
  const auto& status = event.status;
  if (event.test) {
    if (logger_.enabled(telemetry::LogLevel::debug)) {
      logger_.log(telemetry::LogLevel::debug, "job_test",
                  {{"jobId", status.id},
                   {"index", event.test->index},
                   {"verdict", judge::verdict_code(event.test->verdict)},
                   {"cpuMs", event.test->cpu_ms}});
    }
    return;
  }
  log_transition(status);
  if (status.state == actors::JobState::kActive && status.attempts == 1)
    queue_wait_.with({status.language})
        .observe(seconds_between(status.created_at_ms, status.started_at_ms));
  if (internal_error_ended_attempt(status)) internal_errors_.inc();
  if (!actors::is_final(status.state)) return;
  count_final(status);
  if (!spec.callback_url.empty() &&
      !webhooks_.deliver(status.id, spec.callback_url,
                         common::lossy_json_text(http::job_json(status)))) {
    webhooks_refused_.inc();
    logger_.log(telemetry::LogLevel::warn, "webhook_dropped",
                {{"jobId", status.id}, {"reason", "the delivery queue is full"}});
  }
}

void JobObserver::log_transition(const actors::JobStatus& status) {
  if (!logger_.enabled(telemetry::LogLevel::info)) return;
  nlohmann::json fields = {{"jobId", status.id},
                           {"state", actors::state_name(status.state)},
                           {"language", status.language},
                           {"priority", actors::priority_name(status.priority)},
                           {"attempts", status.attempts}};
  if (status.result) fields["verdict"] = judge::verdict_code(status.result->verdict);
  if (!status.failed_reason.empty()) fields["failedReason"] = status.failed_reason;
  if (actors::is_final(status.state))
    fields["totalMs"] = status.finished_at_ms - status.created_at_ms;
  logger_.log(telemetry::LogLevel::info, "job_state", fields);
}

void JobObserver::count_final(const actors::JobStatus& status) {
  const std::string verdict = status.result ? judge::verdict_code(status.result->verdict) : "none";
  jobs_.with({status.language, actors::state_name(status.state), verdict}).inc();
  if (status.started_at_ms > 0) {
    run_duration_.with({status.language, verdict})
        .observe(seconds_between(status.started_at_ms, status.finished_at_ms));
  }
  if (status.result) count_compilation(*status.result);
}

void JobObserver::count_compilation(const actors::JobOutcome& outcome) {
  if (outcome.compile_ms < 0) return;
  compile_duration_.with({outcome.language})
      .observe(static_cast<double>(outcome.compile_ms) / 1000);
  compile_cache_.with({outcome.language, outcome.compile_cached ? "hit" : "miss"}).inc();
}

}  // namespace codearena::app
