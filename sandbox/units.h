// Parsing of the human-friendly sizes and durations used by flags and environment variables.
//
// Sizes: "65536", "64k", "128m", "1g" (binary multiples). Durations: "500ms", "2s", "1.5s", "5min", "1h"; a
// bare number means seconds, as in the TIME_LIMIT environment variable. Both throw
// std::invalid_argument with a message naming the bad text.
#pragma once

#include <cstdint>
#include <string>

namespace codearena::sandbox {

int64_t parse_size(const std::string& text);
int64_t parse_duration_ms(const std::string& text);

}  // namespace codearena::sandbox
