#include "http/job_json.h"

#include "common/byte_text.h"
#include "common/epoch_ms.h"

namespace codearena::http {

using nlohmann::json;

namespace {

json time_or_null(int64_t epoch_ms) {
  return epoch_ms > 0 ? json(common::iso8601_utc(epoch_ms)) : json();
}

json text_or_null(const std::string& text) {
  return text.empty() ? json() : json(text);
}

// A stream as the client asked for it: base64, or text in which bytes that are not UTF-8 will
// become U+FFFD (then `lossy` says so).
struct RenderedOutput {
  std::string text;
  bool lossy = false;
};

RenderedOutput rendered_output(const std::string& bytes, bool base64) {
  if (base64) return {common::base64_encode(bytes), false};
  return {bytes, !common::is_valid_utf8(bytes)};
}

}  // namespace

json progress_json(const actors::JobStatus& status) {
  return {{"done", status.tests_done},
          {"skipped", status.tests_skipped},
          {"total", status.tests_total}};
}

json test_json(const actors::TestOutcome& test) {
  auto out = rendered_output(test.stdout_data, test.base64_output);
  auto err = rendered_output(test.stderr_data, test.base64_output);
  return {{"index", test.index},
          {"verdict", judge::verdict_code(test.verdict)},
          {"cpuMs", test.cpu_ms},
          {"wallMs", test.wall_ms},
          {"memoryKb", test.memory_kb},
          // No exit status when a signal ended the program: 0 would read as success.
          {"exitCode", test.signal.empty() ? json(test.exit_code) : json()},
          {"signal", text_or_null(test.signal)},
          {"stdout", std::move(out.text)},
          {"stderr", std::move(err.text)},
          {"outputEncoding", test.base64_output ? "base64" : "text"},
          {"stdoutLossy", out.lossy},
          {"stderrLossy", err.lossy},
          {"stdoutTruncated", test.stdout_truncated},
          {"stderrTruncated", test.stderr_truncated},
          {"limitExceeded", text_or_null(test.limit_exceeded)},
          {"message", test.message}};
}

json outcome_json(const actors::JobOutcome& outcome) {
  json tests = json::array();
  for (const auto& test : outcome.tests) tests.push_back(test_json(test));
  return {{"verdict", judge::verdict_code(outcome.verdict)},
          {"language", outcome.language},
          {"compileOutput", outcome.compile_output},
          {"compileCached", outcome.compile_cached},
          {"passed", outcome.passed},
          {"total", outcome.total},
          {"skipped", outcome.skipped},
          {"maxCpuMs", outcome.max_cpu_ms},
          {"maxMemoryKb", outcome.max_memory_kb},
          {"message", outcome.message},
          {"limits",
           {{"timeMs", outcome.time_limit_ms},
            {"wallTimeMs", outcome.wall_limit_ms},
            {"memoryBytes", outcome.memory_limit_bytes},
            {"outputBytes", outcome.output_limit_bytes}}},
          {"tests", std::move(tests)}};
}

json webhook_json(const actors::WebhookStatus& webhook) {
  if (webhook.state == actors::WebhookState::kNone) return json();
  return {{"state", actors::webhook_state_name(webhook.state)},
          {"attempts", webhook.attempts},
          {"lastError", text_or_null(webhook.last_error)},
          {"lastStatus", webhook.last_status > 0 ? json(webhook.last_status) : json()}};
}

json job_json(const actors::JobStatus& status) {
  return {{"jobId", status.id},
          {"state", actors::state_name(status.state)},
          {"progress", progress_json(status)},
          {"result", status.result ? outcome_json(*status.result) : json()},
          {"failedReason", text_or_null(status.failed_reason)},
          {"attempts", status.attempts},
          {"language", status.language},
          {"priority", actors::priority_name(status.priority)},
          {"createdAt", time_or_null(status.created_at_ms)},
          {"startedAt", time_or_null(status.started_at_ms)},
          {"finishedAt", time_or_null(status.finished_at_ms)},
          {"webhook", webhook_json(status.webhook)}};
}

json cluster_json(const actors::SchedulerStats& stats) {
  json nodes = json::array();
  for (const auto& node : stats.nodes) {
    nodes.push_back({{"id", node.info.id},
                     {"roles", node.info.roles},
                     {"address", node.info.address},
                     {"slots", node.info.slots},
                     {"languages", node.info.languages},
                     {"busy", node.busy},
                     {"draining", node.draining},
                     {"leader", node.leader},
                     {"lastSeenMs", node.last_seen_ms}});
  }
  return {{"leader", stats.leader}, {"epoch", stats.epoch}, {"nodes", nodes}};
}

json stats_json(const actors::SchedulerStats& stats) {
  json queued = json::object();
  int64_t waiting = stats.retry_waiting;
  for (int p = 0; p < actors::kPriorityCount; ++p) {
    queued[actors::priority_name(static_cast<actors::Priority>(p))] = stats.queued_by_priority[p];
    waiting += stats.queued_by_priority[p];
  }
  return {{"queue",
           {{"depth", waiting}, {"byPriority", queued}, {"retryBackoff", stats.retry_waiting}}},
          {"jobs",
           {{"active", stats.active},
            {"submitted", stats.submitted},
            {"completed", stats.completed},
            {"failed", stats.failed},
            {"cancelled", stats.cancelled},
            {"retained", stats.retained},
            {"retainedBytes", stats.retained_bytes},
            {"listeners", stats.listeners}}},
          {"slots",
           {{"total", stats.slots_total},
            {"busy", stats.slots_busy},
            {"free", stats.slots_total - stats.slots_busy}}},
          {"workers", stats.workers},
          {"throughput", {{"jobsPerSecondLastMinute", stats.jobs_per_second_last_minute}}},
          {"latencyMs",
           {{"p50", stats.latency_p50_ms},
            {"p90", stats.latency_p90_ms},
            {"p99", stats.latency_p99_ms},
            {"samples", stats.latency_samples}}},
          {"accepting", stats.accepting},
          {"cluster", cluster_json(stats)}};
}

json languages_json(const judge::LanguageTable& languages) {
  const auto limits = [](const sandbox::RunLimits& l) {
    return json{
        {"timeMs", l.cpu_ms}, {"memoryBytes", l.memory_bytes}, {"outputBytes", l.output_bytes}};
  };
  json list = json::array();
  for (const auto& language : languages.all()) {
    list.push_back({{"id", language.id},
                    {"name", language.name},
                    {"aliases", language.aliases},
                    {"version", language.version},
                    {"compiled", language.compiled()},
                    {"limits", limits(language.default_limits)},
                    {"maxLimits", limits(language.max_limits)}});
  }
  return {{"languages", std::move(list)}};
}

json error_json(const std::string& code, const std::string& message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

}  // namespace codearena::http
