#include "webhooks/address_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace codearena::webhooks {
namespace {

bool starts_with_bytes(const IpAddress& address, std::initializer_list<uint8_t> prefix) {
  return std::equal(prefix.begin(), prefix.end(), address.bytes.begin());
}

bool all_zero(const IpAddress& address, size_t from, size_t to) {
  return std::all_of(address.bytes.begin() + from, address.bytes.begin() + to,
                     [](uint8_t byte) { return byte == 0; });
}

// True when the first prefix_length bits of both byte arrays are equal.
bool same_prefix(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& b,
                 int prefix_length) {
  const int whole_bytes = prefix_length / 8;
  if (!std::equal(a.begin(), a.begin() + whole_bytes, b.begin())) return false;
  const int rest_bits = prefix_length % 8;
  if (rest_bits == 0) return true;
  const auto mask = static_cast<uint8_t>(0xff << (8 - rest_bits));
  return (a[whole_bytes] & mask) == (b[whole_bytes] & mask);
}

bool is_loopback_v6(const IpAddress& address) {
  return all_zero(address, 0, 15) && address.bytes[15] == 1;
}

AddressClass classify_v4(const IpAddress& address) {
  const uint8_t a = address.bytes[0];
  const uint8_t b = address.bytes[1];
  const uint8_t c = address.bytes[2];
  if (all_zero(address, 0, 4)) return AddressClass::unspecified;
  if (a == 0) return AddressClass::this_network;
  if (a == 127) return AddressClass::loopback;
  if (a == 10 || (a == 172 && (b & 0xf0) == 16) || (a == 192 && b == 168))
    return AddressClass::private_network;
  if (a == 100 && (b & 0xc0) == 64) return AddressClass::shared_cgnat;
  if (a == 169 && b == 254) return AddressClass::link_local;
  if (a >= 224 && a <= 239) return AddressClass::multicast;
  if (a == 255 && b == 255 && c == 255 && address.bytes[3] == 255) return AddressClass::broadcast;
  const bool protocol_assignments = a == 192 && b == 0 && c == 0;
  const bool documentation = (a == 192 && b == 0 && c == 2) || (a == 198 && b == 51 && c == 100) ||
                             (a == 203 && b == 0 && c == 113);
  const bool benchmarking = a == 198 && (b & 0xfe) == 18;
  const bool relay_anycast = a == 192 && b == 88 && c == 99;
  if (a >= 240 || protocol_assignments || documentation || benchmarking || relay_anycast)
    return AddressClass::reserved;
  return AddressClass::public_unicast;
}

AddressClass classify_v6(const IpAddress& address) {
  if (all_zero(address, 0, 16)) return AddressClass::unspecified;
  if (is_loopback_v6(address)) return AddressClass::loopback;
  const uint8_t first = address.bytes[0];
  const uint8_t second = address.bytes[1];
  if (first == 0xff) return AddressClass::multicast;
  if (first == 0xfe && (second & 0xc0) == 0x80) return AddressClass::link_local;
  if ((first & 0xfe) == 0xfc || (first == 0xfe && (second & 0xc0) == 0xc0))
    return AddressClass::private_network;
  const bool teredo = starts_with_bytes(address, {0x20, 0x01, 0x00, 0x00});
  const bool documentation = starts_with_bytes(address, {0x20, 0x01, 0x0d, 0xb8});
  const bool benchmarking = starts_with_bytes(address, {0x20, 0x01, 0x00, 0x02, 0x00, 0x00});
  const bool local_nat64 = starts_with_bytes(address, {0x00, 0x64, 0xff, 0x9b, 0x00, 0x01});
  const bool global_unicast = (first & 0xe0) == 0x20;
  if (teredo || documentation || benchmarking || local_nat64 || !global_unicast)
    return AddressClass::reserved;
  return AddressClass::public_unicast;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(const std::string& text) {
  IpAddress address;
  if (inet_pton(AF_INET, text.c_str(), address.bytes.data()) == 1) return address;
  address.is_v6 = true;
  if (inet_pton(AF_INET6, text.c_str(), address.bytes.data()) == 1) return address;
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::from_sockaddr(const sockaddr* address) {
  IpAddress result;
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    std::memcpy(result.bytes.data(), &v4->sin_addr, 4);
    return result;
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    result.is_v6 = true;
    std::memcpy(result.bytes.data(), &v6->sin6_addr, 16);
    return result;
  }
  return std::nullopt;
}

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress address;
  address.bytes[0] = a;
  address.bytes[1] = b;
  address.bytes[2] = c;
  address.bytes[3] = d;
  return address;
}

IpAddress IpAddress::embedded_v4() const {
  if (!is_v6 || all_zero(*this, 0, 16) || is_loopback_v6(*this)) return *this;
  const auto& b = bytes;
  const bool mapped = all_zero(*this, 0, 10) && b[10] == 0xff && b[11] == 0xff;
  const bool compatible = all_zero(*this, 0, 12);
  const bool translated =
      all_zero(*this, 0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0;
  const bool nat64 = starts_with_bytes(*this, {0x00, 0x64, 0xff, 0x9b}) && all_zero(*this, 4, 12);
  if (mapped || compatible || translated || nat64) return v4(b[12], b[13], b[14], b[15]);
  if (b[0] == 0x20 && b[1] == 0x02) return v4(b[2], b[3], b[4], b[5]);  // 6to4
  return *this;
}

std::string IpAddress::to_string() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v6 ? AF_INET6 : AF_INET, bytes.data(), text, sizeof text);
  return text;
}

bool IpAddress::operator==(const IpAddress& other) const {
  return is_v6 == other.is_v6 && bytes == other.bytes;
}

AddressClass classify_address(const IpAddress& address) {
  if (!address.is_v6) return classify_v4(address);
  const IpAddress carried = address.embedded_v4();
  if (!carried.is_v6) {
    // 6to4 of a public IPv4 address is an ordinary route; every other class is kept.
    return classify_v4(carried);
  }
  return classify_v6(address);
}

const char* describe(AddressClass address_class) {
  switch (address_class) {
    case AddressClass::public_unicast:
      return "public address";
    case AddressClass::loopback:
      return "loopback address";
    case AddressClass::unspecified:
      return "unspecified address";
    case AddressClass::this_network:
      return "'this network' address, 0.0.0.0/8";
    case AddressClass::link_local:
      return "link-local address, where cloud metadata lives";
    case AddressClass::private_network:
      return "private network address";
    case AddressClass::shared_cgnat:
      return "carrier-grade NAT address, 100.64.0.0/10";
    case AddressClass::multicast:
      return "multicast address";
    case AddressClass::broadcast:
      return "broadcast address";
    case AddressClass::reserved:
      return "reserved address";
  }
  return "unknown address";
}

Cidr Cidr::parse(const std::string& text) {
  const auto slash = text.find('/');
  const auto network = IpAddress::parse(text.substr(0, slash));
  const std::string length_text = slash == std::string::npos ? "" : text.substr(slash + 1);
  const bool digits = !length_text.empty() && length_text.size() <= 3 &&
                      std::all_of(length_text.begin(), length_text.end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
  if (!network || !digits || std::stoi(length_text) > (network->is_v6 ? 128 : 32)) {
    throw std::invalid_argument("not an address block (like 10.0.0.0/8 or fd00::/8): '" + text +
                                "'");
  }
  Cidr block;
  block.network_ = *network;
  block.prefix_length_ = std::stoi(length_text);
  return block;
}

std::vector<Cidr> Cidr::parse_list(const std::string& text) {
  std::vector<Cidr> blocks;
  size_t start = 0;
  while ((start = text.find_first_not_of(", ", start)) != std::string::npos) {
    const size_t end = text.find_first_of(", ", start);
    blocks.push_back(parse(text.substr(start, end - start)));
    start = end;
  }
  return blocks;
}

bool Cidr::contains(const IpAddress& address) const {
  const IpAddress candidate = network_.is_v6 ? address : address.embedded_v4();
  return candidate.is_v6 == network_.is_v6 &&
         same_prefix(candidate.bytes, network_.bytes, prefix_length_);
}

AddressPolicy::AddressPolicy(bool allow_private_networks, std::vector<Cidr> allowed_blocks)
    : allow_private_networks_(allow_private_networks), allowed_blocks_(std::move(allowed_blocks)) {}

std::string AddressPolicy::refusal(const IpAddress& address) const {
  const AddressClass address_class = classify_address(address);
  switch (address_class) {
    case AddressClass::public_unicast:
      return "";
    case AddressClass::unspecified:
    case AddressClass::this_network:
    case AddressClass::multicast:
    case AddressClass::broadcast:
      return address.to_string() + " (" + describe(address_class) +
             ") is never a webhook destination";
    case AddressClass::loopback:
    case AddressClass::private_network:
    case AddressClass::shared_cgnat:
      if (allow_private_networks_) return "";
      break;
    case AddressClass::link_local:
    case AddressClass::reserved:
      break;
  }
  const bool listed = std::any_of(allowed_blocks_.begin(), allowed_blocks_.end(),
                                  [&](const Cidr& block) { return block.contains(address); });
  if (listed) return "";
  return address.to_string() + " (" + describe(address_class) +
         ") is not allowed: webhooks may only go to public addresses";
}

}  // namespace codearena::webhooks
