#include "http/client_address.h"

#include <arpa/inet.h>
#include <strings.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace codearena::http {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Splits at commas outside quoted strings (Forwarded values may be quoted).
std::vector<std::string> split_list(const std::string& text, char separator) {
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (const char c : text) {
    if (c == '"') quoted = !quoted;
    if (c == separator && !quoted) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  for (auto& part : parts) part = trimmed(part);
  return parts;
}

std::string unquoted(const std::string& text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    return text.substr(1, text.size() - 2);
  return text;
}

// The address of one hop: bare, "[v6]" or "[v6]:port", or "v4:port".
std::optional<IpAddress> hop_address(const std::string& hop) {
  const std::string text = unquoted(trimmed(hop));
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string::npos) return std::nullopt;
    return IpAddress::parse(text.substr(1, close - 1));
  }
  if (std::count(text.begin(), text.end(), ':') == 1)
    return IpAddress::parse(text.substr(0, text.find(':')));
  return IpAddress::parse(text);
}

// The "for=" value of each Forwarded element; "" for an element without one.
std::vector<std::string> forwarded_for_hops(const std::string& header) {
  std::vector<std::string> hops;
  for (const auto& element : split_list(header, ',')) {
    std::string value;
    for (const auto& pair : split_list(element, ';')) {
      const auto equals = pair.find('=');
      if (equals == std::string::npos) continue;
      std::string name = trimmed(pair.substr(0, equals));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      if (name == "for") value = pair.substr(equals + 1);
    }
    hops.push_back(value);
  }
  return hops;
}

bool prefix_matches(const IpAddress& address, const IpAddress& base, int bits) {
  for (int i = 0; bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((address.bytes[i] & mask) != (base.bytes[i] & mask)) return false;
  }
  return true;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(const std::string& text) {
  IpAddress address;
  if (text.find('\0') != std::string::npos) return std::nullopt;
  if (inet_pton(AF_INET, text.c_str(), address.bytes.data()) == 1) {
    address.v4 = true;
    return address;
  }
  if (inet_pton(AF_INET6, text.c_str(), address.bytes.data()) != 1) return std::nullopt;
  if (std::equal(kMappedPrefix.begin(), kMappedPrefix.end(), address.bytes.begin())) {
    std::copy(address.bytes.begin() + 12, address.bytes.end(), address.bytes.begin());
    std::fill(address.bytes.begin() + 4, address.bytes.end(), 0);
    address.v4 = true;
  }
  return address;
}

std::string IpAddress::text() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  inet_ntop(v4 ? AF_INET : AF_INET6, bytes.data(), buffer, sizeof buffer);
  return buffer;
}

TrustedProxies TrustedProxies::parse(const std::string& list) {
  TrustedProxies trusted;
  if (trimmed(list) == "none" || trimmed(list).empty()) return trusted;
  for (const auto& entry : split_list(list, ',')) {
    const auto slash = entry.find('/');
    const auto base = IpAddress::parse(entry.substr(0, slash));
    const int max_bits = base && base->v4 ? 32 : 128;
    int bits = max_bits;
    if (base && slash != std::string::npos) {
      const std::string digits = entry.substr(slash + 1);
      const bool numeric = !digits.empty() && digits.size() <= 3 &&
                           std::all_of(digits.begin(), digits.end(), ::isdigit);
      bits = numeric ? std::stoi(digits) : -1;
    }
    if (!base || bits < 0 || bits > max_bits) {
      throw std::invalid_argument("'" + entry +
                                  "' is neither an IP address nor a CIDR block (10.0.0.0/8)");
    }
    trusted.blocks_.push_back({*base, bits});
  }
  return trusted;
}

bool TrustedProxies::trusts(const IpAddress& address) const {
  return std::any_of(blocks_.begin(), blocks_.end(), [&](const Block& block) {
    return block.base.v4 == address.v4 && prefix_matches(address, block.base, block.prefix_bits);
  });
}

ForwardingHeader parse_forwarding_header(const std::string& name) {
  for (const auto header : {ForwardingHeader::kXForwardedFor, ForwardingHeader::kForwarded}) {
    if (strcasecmp(name.c_str(), forwarding_header_name(header)) == 0) return header;
  }
  throw std::invalid_argument("'" + name + "' is neither X-Forwarded-For nor Forwarded");
}

const char* forwarding_header_name(ForwardingHeader header) {
  return header == ForwardingHeader::kForwarded ? "Forwarded" : "X-Forwarded-For";
}

std::string client_address(const std::string& peer, ForwardingHeader header,
                           const std::string& value, const TrustedProxies& trusted) {
  auto client = IpAddress::parse(peer);
  if (!client || trusted.empty()) return peer;
  const auto hops =
      header == ForwardingHeader::kForwarded ? forwarded_for_hops(value) : split_list(value, ',');
  for (auto hop = hops.rbegin(); hop != hops.rend() && trusted.trusts(*client); ++hop) {
    const auto address = hop_address(*hop);
    if (!address) break;
    client = address;
  }
  return client->text();
}

std::string budget_address(const std::string& client) {
  auto address = IpAddress::parse(client);
  if (!address) return client;
  if (address->v4) return address->text();
  std::fill(address->bytes.begin() + 8, address->bytes.end(), 0);
  return address->text() + "/64";
}

}  // namespace codearena::http
