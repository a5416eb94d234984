// Validation of the callback URLs clients give with their jobs.
//
// Only the URL's text is judged here (no name resolution): the address a host name resolves to
// is checked at delivery time by the AddressPolicy. Pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>

namespace codearena::webhooks {

// A callback URL taken apart, in the normalized form it is requested with.
struct CallbackUrl {
  std::string url;     // Normalized by the same parser the HTTP client uses.
  std::string scheme;  // "http" or "https".
  std::string host;    // Name or address as written; IPv6 without brackets.
  uint16_t port = 0;   // The explicit port, else the scheme's default.
};

// Longest URL accepted, in bytes.
inline constexpr size_t kMaxCallbackUrlLength = 2048;

// Empty when the URL can be used as a callback, else a sentence for the client saying what is
// wrong (not http or https, no host, credentials, fragment, too long, spaces or non-ASCII, ...).
std::string callback_url_problem(const std::string& url);

// Takes a usable URL apart; throws std::invalid_argument with callback_url_problem's sentence.
CallbackUrl parse_callback_url(const std::string& url);

}  // namespace codearena::webhooks
