#include "http/cors.h"

#include <algorithm>
#include <stdexcept>

namespace codearena::http {
namespace {

// Browsers cache a preflight at most this long anyway (Chromium caps it at two hours).
constexpr const char* kPreflightMaxAgeSeconds = "600";
constexpr const char* kAllowedRequestHeaders = "authorization, content-type";

// An origin as browsers serialise it: a scheme, "://", a host and an optional port, nothing
// else (no path, no trailing slash), so that comparing texts compares origins.
bool is_origin(std::string_view text) {
  const auto separator = text.find("://");
  if (separator == std::string_view::npos || separator == 0) return false;
  const auto authority = text.substr(separator + 3);
  return !authority.empty() && authority.find_first_of("/?#@ \t") == std::string_view::npos;
}

}  // namespace

CorsPolicy::CorsPolicy(std::vector<std::string> origins) : origins_(std::move(origins)) {
  any_origin_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
  if (any_origin_ && origins_.size() > 1) {
    throw std::invalid_argument(
        "CORS origins: \"*\" allows every origin and cannot be listed "
        "with others");
  }
  for (const auto& origin : origins_) {
    if (!any_origin_ && !is_origin(origin)) {
      throw std::invalid_argument("CORS origins: '" + origin +
                                  "' is not an origin like https://app.example.com[:port]");
    }
  }
}

CorsPolicy CorsPolicy::parse(std::string_view list) {
  std::vector<std::string> origins;
  size_t position = 0;
  while (position < list.size()) {
    const auto start = list.find_first_not_of(", \t", position);
    if (start == std::string_view::npos) break;
    const auto end = std::min(list.find_first_of(", \t", start), list.size());
    origins.emplace_back(list.substr(start, end - start));
    position = end;
  }
  return CorsPolicy(std::move(origins));
}

bool CorsPolicy::allows(std::string_view origin) const {
  if (origin.empty()) return false;
  return any_origin_ || std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

HeaderList CorsPolicy::response_headers(std::string_view origin) const {
  if (origins_.empty()) return {};
  if (any_origin_) return {{"Access-Control-Allow-Origin", "*"}};
  HeaderList headers{{"Vary", "Origin"}};
  if (!allows(origin)) return headers;
  headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  headers.emplace_back("Access-Control-Allow-Credentials", "true");
  return headers;
}

HeaderList CorsPolicy::preflight_headers(std::string_view origin, std::string_view methods) const {
  auto headers = response_headers(origin);
  if (!allows(origin)) return headers;
  headers.emplace_back("Access-Control-Allow-Methods", std::string(methods));
  headers.emplace_back("Access-Control-Allow-Headers", kAllowedRequestHeaders);
  headers.emplace_back("Access-Control-Max-Age", kPreflightMaxAgeSeconds);
  return headers;
}

}  // namespace codearena::http
