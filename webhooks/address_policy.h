// Which network addresses a webhook may be sent to (the guard against server-side request
// forgery: a callback URL must not reach the service's own host, its private network or a cloud
// metadata endpoint).
//
// Pure functions and immutable values: no name resolution, no I/O, safe from any thread.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace codearena::webhooks {

// An IPv4 or IPv6 address in network byte order (IPv4 uses the first four bytes).
struct IpAddress {
  bool is_v6 = false;
  std::array<uint8_t, 16> bytes{};

  // Parses dotted-quad IPv4 or textual IPv6 (no brackets, no zone); nullopt when neither.
  static std::optional<IpAddress> parse(const std::string& text);
  // Reads an AF_INET or AF_INET6 socket address; nullopt for any other family.
  static std::optional<IpAddress> from_sockaddr(const sockaddr* address);
  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);

  // The IPv4 address an IPv6 form carries (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible
  // ::a.b.c.d, SIIT ::ffff:0:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16), else itself.
  IpAddress embedded_v4() const;
  std::string to_string() const;
  bool operator==(const IpAddress& other) const;
};

// Why an address is special, or public_unicast when it is an ordinary Internet address.
enum class AddressClass {
  public_unicast,
  loopback,         // 127/8, ::1
  unspecified,      // 0.0.0.0, ::
  this_network,     // 0/8
  link_local,       // 169.254/16 (cloud metadata lives here), fe80::/10
  private_network,  // 10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10
  shared_cgnat,     // 100.64/10
  multicast,        // 224/4, ff00::/8
  broadcast,        // 255.255.255.255
  reserved,         // documentation, benchmarking, protocol-assignment, 240/4, Teredo, discard
};

// Classifies an address; IPv6 forms that carry an IPv4 address get that address's class.
AddressClass classify_address(const IpAddress& address);
// A few words naming the class, for error messages ("loopback address").
const char* describe(AddressClass address_class);

// A block of addresses such as "10.0.0.0/8" or "fd00::/8".
class Cidr {
 public:
  // Throws std::invalid_argument naming the text when it is not address/prefix-length.
  static Cidr parse(const std::string& text);
  // Parses a comma- or space-separated list, as an operator writes it in one setting; an empty
  // text gives an empty list. Throws like parse() for the first bad entry.
  static std::vector<Cidr> parse_list(const std::string& text);
  // IPv4 blocks also match the IPv4-mapped forms of their addresses.
  bool contains(const IpAddress& address) const;

 private:
  IpAddress network_;
  int prefix_length_ = 0;
};

// Decides whether a destination address may be connected to.
//
// Default: only public unicast. allow_private_networks also lets through loopback, private,
// CGNAT and unique-local addresses (for a service whose receivers live on its own network, and
// for tests). An allow-list entry lets through any address it contains, link-local included.
// Unspecified, 0/8, multicast and broadcast are never allowed: a connection to them either
// reaches the local host in disguise or cannot be an HTTP server.
class AddressPolicy {
 public:
  AddressPolicy() = default;
  AddressPolicy(bool allow_private_networks, std::vector<Cidr> allowed_blocks);

  // Empty when the address is allowed, else a sentence saying why not.
  std::string refusal(const IpAddress& address) const;

 private:
  bool allow_private_networks_ = false;
  std::vector<Cidr> allowed_blocks_;
};

}  // namespace codearena::webhooks
