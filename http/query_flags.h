// The query parameters of an endpoint that takes only flags (POST /api/execute?wait=true): each
// known by name, each a boolean spelt true/false/1/0 in any letter case, so that a misspelt
// name or value (?wiat=true, ?wait=yes) is refused instead of silently read as false. No
// RESTinio: the caller hands over the decoded pairs. Pure, thread-safe.
#pragma once

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace codearena::http {

// true for "true" and "1", false for "false" and "0", in any letter case; else nullopt.
std::optional<bool> parse_flag_value(std::string_view value);

class QueryFlags {
 public:
  // Reads `parameters` (decoded name, value pairs in query order) and `bare` (a query of one
  // word without '=', "?wait", when not empty) against the names in `known`. Throws ApiError 400
  // invalid_query naming the first parameter that is unknown, repeated, without a value or not
  // a boolean; names and values are quoted cut short.
  QueryFlags(const std::vector<std::pair<std::string, std::string>>& parameters,
             std::string_view bare, std::initializer_list<std::string_view> known);

  // Whether the flag `name` was given as true (false when absent).
  bool operator[](std::string_view name) const;

 private:
  std::set<std::string, std::less<>> set_;
};

}  // namespace codearena::http
