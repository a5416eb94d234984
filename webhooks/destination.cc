#include "webhooks/destination.h"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>

namespace codearena::webhooks {

std::vector<IpAddress> resolve_host(const std::string& host, std::string& error) {
  if (auto literal = IpAddress::parse(host)) return {*literal};
  std::vector<IpAddress> addresses;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int status = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (status != 0) {
    error = "could not resolve " + host + ": " + gai_strerror(status);
    return addresses;
  }
  for (const addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
    const auto address = IpAddress::from_sockaddr(entry->ai_addr);
    if (address && std::find(addresses.begin(), addresses.end(), *address) == addresses.end())
      addresses.push_back(*address);
  }
  freeaddrinfo(found);
  if (addresses.empty()) error = host + " has no IP address";
  return addresses;
}

std::string destination_refusal(const CallbackUrl& url, const AddressPolicy& policy) {
  std::string unresolved;
  const auto addresses = resolve_host(url.host, unresolved);
  std::string refusal;
  for (const auto& address : addresses) {
    refusal = policy.refusal(address);
    if (refusal.empty()) return "";
  }
  if (addresses.empty()) return "";
  const bool literal = IpAddress::parse(url.host).has_value();
  return literal ? refusal
                 : url.host + " resolves only to addresses callbacks may not reach (" + refusal +
                       ")";
}

std::string redacted_url(const std::string& url) {
  auto end = url.find_first_of("?#");
  std::string kept = url.substr(0, end);
  const auto authority = kept.find("://");
  const auto start = authority == std::string::npos ? 0 : authority + 3;
  const auto at = kept.find('@', start);
  const auto slash = kept.find('/', start);
  if (at != std::string::npos && (slash == std::string::npos || at < slash))
    kept.erase(start, at + 1 - start);
  return end == std::string::npos ? kept : kept + "?…";
}

}  // namespace codearena::webhooks
