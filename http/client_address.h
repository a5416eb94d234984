// Which address a request comes from when reverse proxies stand in front of the API: the
// X-Forwarded-For and Forwarded (RFC 7239) headers are believed only as far as they were
// written by proxies in TRUSTED_PROXIES, so that a client cannot choose the address it is
// counted under. No RESTinio: the rules are unit-tested and fuzzed alone.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace codearena::http {

// An IPv4 or IPv6 address; IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are their IPv4 address.
struct IpAddress {
  bool v4 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4: the first 4.

  // nullopt unless `text` is a bare address ("192.0.2.1", "2001:db8::1"), no port or brackets.
  static std::optional<IpAddress> parse(const std::string& text);
  std::string text() const;
};

class TrustedProxies {
 public:
  // Parses "none" or a comma-separated list of addresses and CIDR blocks ("10.0.0.0/8,
  // ::1"); throws std::invalid_argument naming the first entry that is neither.
  static TrustedProxies parse(const std::string& list);

  bool trusts(const IpAddress& address) const;
  bool empty() const { return blocks_.empty(); }

 private:
  struct Block {
    IpAddress base;
    int prefix_bits = 0;
  };
  std::vector<Block> blocks_;
};

// The header the trusted proxies write the client's address in (FORWARDED_HEADER). Only that one
// is read: the other arrives as the client wrote it, so believing it would let the client pick
// its address.
enum class ForwardingHeader { kXForwardedFor, kForwarded };

// Reads FORWARDED_HEADER: "x-forwarded-for" or "forwarded", in any letter case; throws
// std::invalid_argument naming the value otherwise.
ForwardingHeader parse_forwarding_header(const std::string& name);

// The header's name as requests carry it ("X-Forwarded-For", "Forwarded").
const char* forwarding_header_name(ForwardingHeader header);

// The client's address: `peer` (the socket's address) unless `peer` is a trusted proxy; then the
// hops the proxies recorded in `value` (every line of `header` joined by commas; Forwarded's
// "for=" hops) are walked from the nearest one back, and the first address not trusted is the
// client. A hop that is not an address (unknown, an obfuscated name) ends the walk at the proxy
// that wrote it.
std::string client_address(const std::string& peer, ForwardingHeader header,
                           const std::string& value, const TrustedProxies& trusted);

// The key a client's submissions are counted under: an IPv6 client's /64 network
// ("2001:db8:1:2::/64"), since one subscriber is given a whole /64 and may send from any address
// in it; an IPv4 address (IPv4-mapped IPv6 too) as it is; text that is no address unchanged.
std::string budget_address(const std::string& client);

}  // namespace codearena::http
