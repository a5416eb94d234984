#include "sandbox/units.h"

#include <cctype>
#include <cmath>
#include <stdexcept>

#include "common/setting_text.h"

namespace codearena::sandbox {
namespace {

// Splits "12.5ms" into 12.5 and "ms"; throws when there is no leading number.
double leading_number(const std::string& text, std::string& suffix, const char* kind) {
  size_t used = 0;
  const double value = common::leading_number(text, &used);
  if (used == 0 || !std::isdigit(static_cast<unsigned char>(text[0])) || value < 0 ||
      !std::isfinite(value)) {
    throw std::invalid_argument(std::string("not a ") + kind + ": '" + text + "'");
  }
  suffix = text.substr(used);
  for (auto& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return value;
}

}  // namespace

int64_t parse_size(const std::string& text) {
  std::string suffix;
  const double value = leading_number(text, suffix, "size");
  double multiplier = 1;
  if (suffix == "" || suffix == "b")
    multiplier = 1;
  else if (suffix == "k" || suffix == "kb" || suffix == "kib")
    multiplier = 1024.0;
  else if (suffix == "m" || suffix == "mb" || suffix == "mib")
    multiplier = 1024.0 * 1024;
  else if (suffix == "g" || suffix == "gb" || suffix == "gib")
    multiplier = 1024.0 * 1024 * 1024;
  else
    throw std::invalid_argument("unknown size unit in '" + text + "' (use k, m or g)");
  return static_cast<int64_t>(std::llround(value * multiplier));
}

int64_t parse_duration_ms(const std::string& text) {
  std::string suffix;
  const double value = leading_number(text, suffix, "duration");
  if (suffix == "ms") return static_cast<int64_t>(std::llround(value));
  if (suffix == "" || suffix == "s") return static_cast<int64_t>(std::llround(value * 1000));
  if (suffix == "m" || suffix == "min") return static_cast<int64_t>(std::llround(value * 60'000));
  if (suffix == "h") return static_cast<int64_t>(std::llround(value * 3'600'000));
  throw std::invalid_argument("unknown duration unit in '" + text + "' (use ms, s, min or h)");
}

}  // namespace codearena::sandbox
