#include "http/connection_limits.h"

namespace codearena::http {

ConnectionLimits::Place::Place(std::shared_ptr<ConnectionLimits> limits, std::string peer)
    : limits_(std::move(limits)), peer_(std::move(peer)) {}

ConnectionLimits::Place::Place(Place&& other) noexcept
    : limits_(std::move(other.limits_)), peer_(std::move(other.peer_)) {}

ConnectionLimits::Place& ConnectionLimits::Place::operator=(Place&& other) noexcept {
  if (this != &other) {
    release();
    limits_ = std::move(other.limits_);
    peer_ = std::move(other.peer_);
  }
  return *this;
}

ConnectionLimits::Place::~Place() {
  release();
}

void ConnectionLimits::Place::release() {
  if (limits_) limits_->give_back(peer_);
  limits_.reset();
}

ConnectionLimits::ConnectionLimits(std::size_t per_client, TrustedProxies trusted)
    : per_client_(per_client), trusted_(std::move(trusted)) {}

std::optional<ConnectionLimits::Place> ConnectionLimits::admit(const std::string& peer) {
  if (per_client_ == 0) return Place{};
  const auto address = IpAddress::parse(peer);
  if (address && trusted_.trusts(*address)) return Place{};
  // One key per client however its address is written (::ffff:192.0.2.1 is 192.0.2.1), and an
  // IPv6 client is its /64, as for the rate limit: a host gets a whole /64 and could otherwise
  // open per_client connections from each of its addresses.
  auto key = budget_address(peer);
  std::lock_guard<std::mutex> lock(mutex_);
  auto& held = held_[key];
  if (held >= per_client_) return std::nullopt;
  ++held;
  return Place(shared_from_this(), std::move(key));
}

void ConnectionLimits::give_back(const std::string& peer) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = held_.find(peer);
  if (found != held_.end() && --found->second == 0) held_.erase(found);
}

}  // namespace codearena::http
