// Cross-origin resource sharing for browser clients: which origins may call the API and the
// headers that tell a browser so. Pure functions of the configured allowlist: no I/O,
// thread-safe once built.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace codearena::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

class CorsPolicy {
 public:
  // `origins` are exact origins (scheme://host[:port], as browsers send them in Origin) or the
  // single entry "*" (any origin, never with credentials); empty: no cross-origin access.
  // Throws std::invalid_argument naming an entry that is not an origin, or "*" among others.
  explicit CorsPolicy(std::vector<std::string> origins = {});

  // Parses CORS_ORIGINS: origins separated by commas and/or spaces. Throws like the constructor.
  static CorsPolicy parse(std::string_view list);

  // The headers for an answer to a request that carried `origin` ("" when it had none): the
  // Access-Control-Allow-* headers for an allowed origin, none for a refused one, and
  // Vary: Origin whenever the answer depends on the origin.
  HeaderList response_headers(std::string_view origin) const;

  // The headers answering a preflight (OPTIONS) from `origin` for a resource that allows
  // `methods` (e.g. "GET, HEAD"): the allowed methods, the request headers a client may send
  // (authorization, content-type) and how long the browser may cache the answer. A refused
  // origin gets no CORS headers.
  HeaderList preflight_headers(std::string_view origin, std::string_view methods) const;

 private:
  bool allows(std::string_view origin) const;

  std::vector<std::string> origins_;
  bool any_origin_ = false;
};

}  // namespace codearena::http
