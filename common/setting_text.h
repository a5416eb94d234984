// Reading the values of settings: environment variables and command-line options.
//
// Each function takes the whole text (no surrounding spaces, nothing after the value) and
// throws std::invalid_argument saying what it expected and quoting the text; callers add the
// setting's name. Pure functions, thread-safe.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace codearena::common {

// The number std::stod reads at the start of `text` (leading spaces skipped); `*used` is how
// many characters it took, 0 when `text` does not start with a number.
inline double leading_number(const std::string& text, size_t* used) {
  try {
    return std::stod(text, used);
  } catch (const std::exception&) {
    *used = 0;
    return 0;
  }
}

// A decimal whole number of at least `minimum`, e.g. "8" or "-1".
inline int64_t parse_whole_number(const std::string& text, int64_t minimum) {
  size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < minimum) {
    throw std::invalid_argument("expected a whole number of at least " + std::to_string(minimum) +
                                ", got '" + text + "'");
  }
  return value;
}

// A finite number above zero, e.g. "0.5", "2" or "1e3".
inline double parse_positive_number(const std::string& text) {
  size_t used = 0;
  const double value = leading_number(text, &used);
  if (used == 0 || used != text.size() || !(value > 0) || !std::isfinite(value)) {
    throw std::invalid_argument("expected a number above zero, got '" + text + "'");
  }
  return value;
}

// "true", "1" or "yes"; "false", "0" or "no".
inline bool parse_flag(const std::string& text) {
  if (text == "true" || text == "1" || text == "yes") return true;
  if (text == "false" || text == "0" || text == "no") return false;
  throw std::invalid_argument("expected true or false, got '" + text + "'");
}

}  // namespace codearena::common
