// GET /api/jobs: reading its query into a JobQuery and writing a page of job summaries.
//
// Pure functions without RESTinio, safe from any thread. The cursor is opaque to clients: it
// names the last job of a page by creation time and id, so a page boundary does not move when
// newer jobs arrive meanwhile.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "actors/job_types.h"
#include "judge/languages.h"

namespace codearena::http {

// Page sizes of a listing: the default without `limit` and the largest accepted.
inline constexpr int32_t kDefaultListLimit = 20;
inline constexpr int32_t kMaxListLimit = 100;

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// The listing the query asks for (`state`, `language`, `cursor`, `limit`); the owner filter is
// left to the caller. Throws ApiError 400 `invalid_query` naming the parameter for an unknown
// parameter, state, language or cursor, or a limit outside 1..kMaxListLimit.
actors::JobQuery parse_job_query(const QueryParams& params, const judge::LanguageTable& languages);

// {"jobs":[summary...],"nextCursor": cursor of the last job, or null on the last page}.
nlohmann::json job_page_json(const actors::JobPage& page);

// A job in a listing: {"jobId","state","language","createdAt","finishedAt","verdict",
// "progress":{"done","total"},"webhook"}; verdict is null until the job has been judged.
nlohmann::json job_summary_json(const actors::JobStatus& status);

}  // namespace codearena::http
