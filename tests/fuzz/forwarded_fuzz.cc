// Fuzz target: client_address (http/client_address.h) over any peer, Forwarded and
// X-Forwarded-For, the three separated by NUL bytes, behind trusted proxies 10.0.0.0/8 and ::1,
// each header read as the one the proxies write. The answer must be the peer when the peer is
// no trusted proxy, and an address otherwise (its budget_address is a rate-limit key). A crash or
// an exception is a bug.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>

#include "http/client_address.h"

namespace http = codearena::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto trusted = http::TrustedProxies::parse("10.0.0.0/8,::1");
  const std::string input(reinterpret_cast<const char*>(data), size);
  const auto first = input.find('\0');
  const auto second = first == std::string::npos ? first : input.find('\0', first + 1);
  const std::string peer = input.substr(0, first);
  const std::string forwarded =
      first == std::string::npos ? "" : input.substr(first + 1, second - first - 1);
  const std::string x_forwarded_for = second == std::string::npos ? "" : input.substr(second + 1);
  const auto peer_address = http::IpAddress::parse(peer);
  for (const auto& [header, value] :
       {std::pair(http::ForwardingHeader::kForwarded, forwarded),
        std::pair(http::ForwardingHeader::kXForwardedFor, x_forwarded_for)}) {
    const auto client = http::client_address(peer, header, value, trusted);
    if (!peer_address) {
      if (client != peer) std::abort();
    } else if (!trusted.trusts(*peer_address)) {
      if (client != peer_address->text()) std::abort();
    } else if (!http::IpAddress::parse(client)) {
      std::abort();
    }
    // The budget key of an IPv4 client is its address, of an IPv6 client its /64.
    const auto address = http::IpAddress::parse(client);
    const auto budget = http::budget_address(client);
    if (address && address->v4 && budget != address->text()) std::abort();
    if (address && !address->v4 &&
        (budget.size() < 3 || budget.compare(budget.size() - 3, 3, "/64") != 0 ||
         !http::IpAddress::parse(budget.substr(0, budget.size() - 3))))
      std::abort();
  }
  return 0;
}
