// How many client connections one peer address may hold open at once, so that a single client
// (10,000 idle keep-alive connections, say) cannot take every connection the listener serves
// and lock the others out. Counted by the socket's peer address (an IPv6 peer by its /64): forwarding headers arrive
// only after a connection is taken, and a peer in TRUSTED_PROXIES speaks for many clients, so
// it is not limited here (only by the listener's total, MAX_CONNECTIONS). No RESTinio.
// Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/client_address.h"

namespace codearena::http {

class ConnectionLimits : public std::enable_shared_from_this<ConnectionLimits> {
 public:
  // A connection's place in its peer's count, held while the connection is open: given back
  // when destroyed. An unlimited place (a trusted proxy, no limit) counts nothing.
  class Place {
   public:
    Place() = default;
    Place(Place&& other) noexcept;
    Place& operator=(Place&& other) noexcept;
    Place(const Place&) = delete;
    Place& operator=(const Place&) = delete;
    ~Place();

   private:
    friend class ConnectionLimits;
    Place(std::shared_ptr<ConnectionLimits> limits, std::string peer);
    void release();

    std::shared_ptr<ConnectionLimits> limits_;
    std::string peer_;
  };

  // `per_client`: most connections one peer address holds at once (0: no limit). Peers in
  // `trusted` are never limited. Create with std::make_shared (places refer back to it).
  ConnectionLimits(std::size_t per_client, TrustedProxies trusted);

  // A place for a new connection from `peer` (the socket's address, as text), or nullopt when
  // the peer already holds `per_client` connections. An IPv6 peer is counted by its /64.
  std::optional<Place> admit(const std::string& peer);

  std::size_t per_client() const { return per_client_; }

 private:
  void give_back(const std::string& peer);

  const std::size_t per_client_;
  const TrustedProxies trusted_;
  std::mutex mutex_;
  std::map<std::string, std::size_t> held_;  // Only peers holding at least one.
};

}  // namespace codearena::http
