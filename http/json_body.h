// Reads a request body as JSON with errors a person can act on: where the text stops being JSON
// (line, column, byte) and why, without the parser's internal codes or a copy of the body. Pure,
// thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace codearena::http {

// Parses `body`. Throws ApiError 400 invalid_json when it is not JSON (syntax, a number beyond
// a double's range such as 1e400, a lone surrogate escape such as "\ud800") or when arrays and
// objects nest more than `max_nesting` levels deep, which is refused while reading, before the
// levels cost memory. A UTF-8 byte order mark before the text is skipped. No other exception but
// std::bad_alloc.
nlohmann::json parse_json_body(const std::string& body, int max_nesting);

}  // namespace codearena::http
