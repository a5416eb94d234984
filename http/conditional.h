// Conditional GET of a job: the entity tag of its answer and the If-None-Match test (RFC 9110,
// 8.8.3 and 13.1.2), so that a client polling a job gets 304 Not Modified, without a body, until
// something it would see has changed. Pure, thread-safe.
#pragma once

#include <string>

#include "actors/job_types.h"

namespace codearena::http {

// The strong entity tag of `body`, the answer GET /api/jobs/:id gives for `status`: the state,
// the progress and the attempt, readable, then a hash of the body, which changes with anything
// else the answer shows (the result, the times). Never derived from the clock.
std::string job_etag(const actors::JobStatus& status, const std::string& body);

// Whether an If-None-Match header value (every line joined with commas) names `etag`: "*", or
// a list of entity tags one of which equals it by weak comparison (W/ prefixes ignored). An
// empty or malformed value names nothing.
bool none_match_names(const std::string& if_none_match, const std::string& etag);

}  // namespace codearena::http
