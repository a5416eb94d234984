// The JSON shapes of the REST API (camelCase, as the product brief's client reads them): job
// status, job result, statistics, languages and errors. Pure functions, thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "actors/job_types.h"
#include "judge/languages.h"

namespace codearena::http {

// {"jobId","state","progress":{"done","skipped","total"},"result","failedReason","attempts",
//  "language","priority","createdAt","startedAt","finishedAt","webhook"}; absent values are
//  null, times ISO 8601 UTC.
nlohmann::json job_json(const actors::JobStatus& status);
nlohmann::json progress_json(const actors::JobStatus& status);
// {"state","attempts","lastError","lastStatus"} of a job with a callbackUrl once it finished;
// null before, and for a job without one.
nlohmann::json webhook_json(const actors::WebhookStatus& webhook);
nlohmann::json outcome_json(const actors::JobOutcome& outcome);
// One test; stdout and stderr in base64 when the job asked for it, else as text whose bytes
// that are not UTF-8 become U+FFFD when serialized (flagged by stdoutLossy, stderrLossy).
nlohmann::json test_json(const actors::TestOutcome& test);
nlohmann::json stats_json(const actors::SchedulerStats& stats);
nlohmann::json languages_json(const judge::LanguageTable& languages);
nlohmann::json error_json(const std::string& code, const std::string& message);

}  // namespace codearena::http
