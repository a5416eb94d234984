#include "http/job_list.h"

#include <cctype>

#include "http/api_error.h"
#include "http/echo_text.h"
#include "http/job_json.h"
#include "http/request_parsing.h"

namespace codearena::http {
namespace {

using nlohmann::json;

ApiError invalid_query(const std::string& parameter, const std::string& problem) {
  return ApiError(400, "invalid_query", "query parameter " + echo(parameter) + ": " + problem);
}

std::string job_cursor(const actors::JobStatus& status) {
  return std::to_string(status.created_at_ms) + "." + status.id;
}

// Reads "<created_at_ms>.<job id>" into the query's page start.
void read_cursor(const std::string& cursor, actors::JobQuery& query) {
  const auto dot = cursor.find('.');
  const auto digits = cursor.substr(0, dot);
  const bool numeric = !digits.empty() && digits.size() <= 15 &&
                       digits.find_first_not_of("0123456789") == std::string::npos;
  if (dot == std::string::npos || !numeric || !looks_like_job_id(cursor.substr(dot + 1)))
    throw invalid_query("cursor", "not a cursor this server gave (pass nextCursor unchanged)");
  query.after_created_ms = std::stoll(digits);
  query.after_id = cursor.substr(dot + 1);
}

int32_t read_limit(const std::string& text) {
  const bool numeric =
      !text.empty() && text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos;
  const int32_t limit = numeric ? std::stoi(text) : 0;
  if (limit < 1 || limit > kMaxListLimit) {
    throw invalid_query("limit", echo(text) + " is not a whole number from 1 to " +
                                     std::to_string(kMaxListLimit));
  }
  return limit;
}

std::string read_state(const std::string& text) {
  if (!actors::parse_state(text)) {
    throw invalid_query("state", "unknown state " + echo(text) +
                                     " (one of queued, active, completed, failed, cancelled)");
  }
  return text;
}

std::string read_language(const std::string& text, const judge::LanguageTable& languages) {
  if (const auto* language = languages.find(text)) return language->id;
  std::string known;
  for (const auto& entry : languages.all()) known += (known.empty() ? "" : ", ") + entry.id;
  throw invalid_query("language", "unknown language " + echo(text) + " (one of " + known + ")");
}

}  // namespace

actors::JobQuery parse_job_query(const QueryParams& params, const judge::LanguageTable& languages) {
  actors::JobQuery query;
  query.limit = kDefaultListLimit;
  for (const auto& [name, value] : params) {
    if (name == "state") {
      query.state = read_state(value);
    } else if (name == "language") {
      query.language = read_language(value, languages);
    } else if (name == "cursor") {
      read_cursor(value, query);
    } else if (name == "limit") {
      query.limit = read_limit(value);
    } else {
      throw invalid_query(name, "unknown parameter (known: state, language, cursor, limit)");
    }
  }
  return query;
}

json job_summary_json(const actors::JobStatus& status) {
  const json full = job_json(status);
  return {{"jobId", status.id},
          {"state", full["state"]},
          {"language", status.language},
          {"createdAt", full["createdAt"]},
          {"finishedAt", full["finishedAt"]},
          {"verdict", status.result ? json(judge::verdict_code(status.result->verdict)) : json()},
          {"progress", full["progress"]},
          {"webhook", full["webhook"]}};
}

json job_page_json(const actors::JobPage& page) {
  json jobs = json::array();
  for (const auto& status : page.jobs) jobs.push_back(job_summary_json(status));
  const bool more = page.more && !page.jobs.empty();
  return {{"jobs", std::move(jobs)},
          {"nextCursor", more ? json(job_cursor(page.jobs.back())) : json()}};
}

}  // namespace codearena::http
