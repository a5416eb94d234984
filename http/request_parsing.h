// Turns the body of POST /api/execute into a validated JobSpec, or an ApiError naming what is
// wrong (the field, the limit, the maximum). Pure functions: no I/O, thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "actors/job_types.h"
#include "http/api_error.h"
#include "judge/languages.h"

namespace codearena::http {

struct RequestLimits {
  int64_t max_code_bytes = 65536;         // MAX_CODE_SIZE, for `code` and a checker's code.
  int64_t max_test_cases = 100;           // More: 422 too_many_tests.
  int64_t max_test_bytes = 1 << 20;       // One test's input or expected output; more: 413.
  int64_t max_body_bytes = 16LL << 20;    // The whole request; more: 413.
};

struct ExecuteRequest {
  actors::JobSpec spec;
  bool wait = false;  // "wait": true in the body (the server adds ?wait=true from the query).
};

// Throws ApiError: 400 invalid_json (also for arrays and objects nested more than 32 deep) /
// invalid_body / missing_field / invalid_field / unknown_field (a field the API does not
// define, at any level), 413 code_too_large / test_too_large /
// payload_too_large, 422 unknown_language / limit_too_high / too_many_tests /
// invalid_callback_url. No other exception but std::bad_alloc, whatever the body.
ExecuteRequest parse_execute_request(const std::string& body, const RequestLimits& limits,
                                     const judge::LanguageTable& languages);

// A job id as the API hands them out (a UUID); anything else cannot name a job.
bool looks_like_job_id(const std::string& text);

// A Content-Type that announces JSON: the media type `application/json` or `application/*+json`
// (RFC 6839), in any letter case, with any parameters (`; charset=utf-8`).
bool is_json_media_type(const std::string& content_type);

}  // namespace codearena::http
