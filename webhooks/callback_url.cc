#include "webhooks/callback_url.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <stdexcept>

namespace codearena::webhooks {
namespace {

struct UrlHandleDeleter {
  void operator()(CURLU* handle) const { curl_url_cleanup(handle); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlHandleDeleter>;

// One part of a parsed URL; empty when the URL has no such part.
std::string url_part(CURLU* handle, CURLUPart part, unsigned flags = 0) {
  char* text = nullptr;
  if (curl_url_get(handle, part, &text, flags) != CURLUE_OK || text == nullptr) return "";
  std::string value(text);
  curl_free(text);
  return value;
}

bool starts_with_ignoring_case(const std::string& text, const std::string& prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char expected, char actual) {
           return std::tolower(static_cast<unsigned char>(actual)) == expected;
         });
}

// The checks on the raw text, before any parser normalizes it away.
std::string text_problem(const std::string& url) {
  if (url.empty()) return "the callback URL is empty";
  if (url.size() > kMaxCallbackUrlLength)
    return "the callback URL is longer than " + std::to_string(kMaxCallbackUrlLength) + " bytes";
  const bool printable_ascii = std::all_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (!printable_ascii)
    return "the callback URL must be ASCII without spaces (percent-encode the path and use the "
           "punycode form of international host names)";
  if (!starts_with_ignoring_case(url, "http://") && !starts_with_ignoring_case(url, "https://"))
    return "the callback URL must start with http:// or https://";
  const size_t authority = url.find("//") + 2;
  if (authority == url.size() || url[authority] == '/' || url[authority] == '?')
    return "the callback URL has no host";
  if (url.find('#') != std::string::npos) return "the callback URL must not have a #fragment";
  const std::string authority_text =
      url.substr(authority, url.find_first_of("/?", authority) - authority);
  if (authority_text.find('@') != std::string::npos)
    return "the callback URL must not contain a user name or password";
  return "";
}

// Parses with libcurl's own URL parser, so that what is checked is what gets requested.
CallbackUrl parse_checked_text(const std::string& url, std::string& problem) {
  UrlHandle handle(curl_url());
  CallbackUrl parsed;
  if (!handle || curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    problem = "the callback URL is not a valid URL";
    return parsed;
  }
  parsed.url = url_part(handle.get(), CURLUPART_URL);
  parsed.scheme = url_part(handle.get(), CURLUPART_SCHEME);
  parsed.host = url_part(handle.get(), CURLUPART_HOST);
  if (parsed.host.size() >= 2 && parsed.host.front() == '[') {
    parsed.host = parsed.host.substr(1, parsed.host.size() - 2);
  }
  const std::string port = url_part(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  const long port_number = port.empty() ? 0 : std::stol(port);
  if (!url_part(handle.get(), CURLUPART_ZONEID).empty()) {
    problem = "the callback URL must not name a network interface (IPv6 zone)";
  } else if (parsed.host.empty()) {
    problem = "the callback URL has no host";
  } else if (port_number < 1 || port_number > 65535) {
    problem = "the callback URL's port must be between 1 and 65535";
  }
  parsed.port = static_cast<uint16_t>(port_number);
  return parsed;
}

}  // namespace

std::string callback_url_problem(const std::string& url) {
  std::string problem = text_problem(url);
  if (problem.empty()) parse_checked_text(url, problem);
  return problem;
}

CallbackUrl parse_callback_url(const std::string& url) {
  std::string problem = text_problem(url);
  CallbackUrl parsed;
  if (problem.empty()) parsed = parse_checked_text(url, problem);
  if (!problem.empty()) throw std::invalid_argument(problem);
  return parsed;
}

}  // namespace codearena::webhooks
