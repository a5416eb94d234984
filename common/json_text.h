// JSON text for answers and logs that must not fail on bytes a program wrote.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace codearena::common {

// The JSON text of `value`, compact (indent -1) or indented by `indent` spaces. Strings that are
// not valid UTF-8 have each bad byte replaced by U+FFFD instead of throwing. Thread-safe.
inline std::string lossy_json_text(const nlohmann::json& value, int indent = -1) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace codearena::common
