// Client-supplied text quoted back in an error message (an id, a field name, a query parameter),
// cut short so that an answer never grows with what the client sent. Pure, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace codearena::http {

// The longest quoted text, in bytes, before it is cut.
constexpr std::size_t kMaxEchoBytes = 64;

// `text` in single quotes; longer than kMaxEchoBytes it is cut at a UTF-8 character boundary
// and ends with "…" inside the quotes.
std::string echo(std::string_view text);

}  // namespace codearena::http
