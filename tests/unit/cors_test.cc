#include <catch2/catch.hpp>

#include <stdexcept>

#include "http/cors.h"

using codearena::http::CorsPolicy;
using codearena::http::HeaderList;

namespace {

// The value of header `name` in `headers`, or "" when it is absent.
std::string value_of(const HeaderList& headers, const std::string& name) {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace

TEST_CASE("an allowlisted origin is echoed with credentials, others get only Vary", "[cors]") {
  const auto policy = CorsPolicy::parse("https://app.example.com, http://localhost:5173");
  const auto allowed = policy.response_headers("http://localhost:5173");
  CHECK(value_of(allowed, "Access-Control-Allow-Origin") == "http://localhost:5173");
  CHECK(value_of(allowed, "Access-Control-Allow-Credentials") == "true");
  CHECK(value_of(allowed, "Vary") == "Origin");

  const auto refused = policy.response_headers("https://evil.example.com");
  CHECK(refused == HeaderList{{"Vary", "Origin"}});
  // Origins compare exactly: another port or scheme is another origin.
  CHECK(policy.response_headers("https://app.example.com:8443") == refused);
  CHECK(policy.response_headers("http://app.example.com") == refused);
  CHECK(policy.response_headers("") == refused);
}

TEST_CASE("a preflight names methods, request headers and max-age for allowed origins only",
          "[cors]") {
  const CorsPolicy policy({"https://app.example.com"});
  const auto allowed = policy.preflight_headers("https://app.example.com", "POST");
  CHECK(value_of(allowed, "Access-Control-Allow-Origin") == "https://app.example.com");
  CHECK(value_of(allowed, "Access-Control-Allow-Methods") == "POST");
  CHECK(value_of(allowed, "Access-Control-Allow-Headers") == "authorization, content-type");
  CHECK(value_of(allowed, "Access-Control-Max-Age") == "600");

  CHECK(policy.preflight_headers("https://other.example.com", "POST") ==
        HeaderList{{"Vary", "Origin"}});
}

TEST_CASE("a star allows every origin without credentials", "[cors]") {
  const auto policy = CorsPolicy::parse("*");
  const auto headers = policy.response_headers("https://anyone.example.com");
  CHECK(value_of(headers, "Access-Control-Allow-Origin") == "*");
  CHECK(value_of(headers, "Access-Control-Allow-Credentials").empty());
  CHECK(value_of(policy.preflight_headers("https://anyone.example.com", "GET, HEAD"),
                 "Access-Control-Allow-Methods") == "GET, HEAD");
}

TEST_CASE("without an allowlist no CORS header is sent", "[cors]") {
  const auto policy = CorsPolicy::parse(" ");
  CHECK(policy.response_headers("https://app.example.com").empty());
  CHECK(policy.preflight_headers("https://app.example.com", "POST").empty());
}

TEST_CASE("an allowlist entry that is not an origin is refused at start", "[cors]") {
  CHECK_THROWS_AS(CorsPolicy::parse("https://app.example.com/"), std::invalid_argument);
  CHECK_THROWS_AS(CorsPolicy::parse("app.example.com"), std::invalid_argument);
  CHECK_THROWS_AS(CorsPolicy::parse("*, https://app.example.com"), std::invalid_argument);
}

TEST_CASE("look-alike and opaque origins are never echoed", "[cors]") {
  const auto policy = CorsPolicy::parse("https://app.example.com");
  const HeaderList refused{{"Vary", "Origin"}};
  // Sandboxed frames and file: pages send "null"; echoing it would admit all of them.
  for (const char* origin :
       {"null", "https://app.example.com.evil.com", "https://evil.com/https://app.example.com",
        "https://app.example.co", "https://xapp.example.com", "HTTPS://APP.EXAMPLE.COM",
        "https://app.example.com/", "https://app.example.com, https://evil.com",
        "https://app.example.com\r\nSet-Cookie: a=b", "*"}) {
    CAPTURE(origin);
    CHECK(policy.response_headers(origin) == refused);
    CHECK(policy.preflight_headers(origin, "POST") == refused);
  }
  CHECK_THROWS_AS(CorsPolicy::parse("null"), std::invalid_argument);
  CHECK_THROWS_AS(CorsPolicy::parse("https://app.example.com/"), std::invalid_argument);
}
