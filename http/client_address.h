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

// The client's address: `peer` (the socket's address) unless `peer` is a trusted proxy; then the
// hops the proxies recorded are walked from the nearest one back, and the first address not
// trusted is the client. `forwarded` (Forwarded's "for=" hops) is read when present, else
// `x_forwarded_for`; each holds every header line of its name joined by commas. A hop that is
// not an address (unknown, an obfuscated name) ends the walk at the proxy that wrote it.
std::string client_address(const std::string& peer, const std::string& forwarded,
                           const std::string& x_forwarded_for, const TrustedProxies& trusted);

}  // namespace codearena::http
