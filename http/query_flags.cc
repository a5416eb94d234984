#include "http/query_flags.h"

#include <strings.h>

#include <algorithm>

#include "http/api_error.h"
#include "http/echo_text.h"

namespace codearena::http {
namespace {

ApiError invalid_query(const std::string& problem) {
  return ApiError(400, "invalid_query", "the query string is wrong: " + problem);
}

std::string listed(std::initializer_list<std::string_view> names) {
  std::string text;
  for (const auto name : names) text += (text.empty() ? "" : ", ") + std::string(name);
  return text.empty() ? "none" : text;
}

}  // namespace

std::optional<bool> parse_flag_value(std::string_view value) {
  const auto is = [value](const char* word) {
    return value.size() == std::char_traits<char>::length(word) &&
           strncasecmp(value.data(), word, value.size()) == 0;
  };
  if (is("true") || value == "1") return true;
  if (is("false") || value == "0") return false;
  return std::nullopt;
}

QueryFlags::QueryFlags(const std::vector<std::pair<std::string, std::string>>& parameters,
                       std::string_view bare, std::initializer_list<std::string_view> known) {
  const auto check_known = [&known](std::string_view name) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      throw invalid_query("unknown parameter " + echo(name) + " (known: " + listed(known) + ")");
    }
  };
  if (!bare.empty()) {
    check_known(bare);
    throw invalid_query("the parameter " + echo(bare) + " needs a value: true, false, 1 or 0");
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& [name, value] : parameters) {
    check_known(name);
    if (!seen.insert(name).second)
      throw invalid_query("the parameter " + echo(name) + " is repeated");
    const auto flag = parse_flag_value(value);
    if (!flag) {
      throw invalid_query("the parameter " + echo(name) + " is " + echo(value) +
                          "; it takes true, false, 1 or 0");
    }
    if (*flag) set_.insert(name);
  }
}

bool QueryFlags::operator[](std::string_view name) const {
  return set_.find(name) != set_.end();
}

}  // namespace codearena::http
