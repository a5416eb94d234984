// Leader election: a lease only one node holds at a time, with an epoch (fencing token) that
// grows with every new holder. The leader passes its epoch to every JobStore write, so once
// another node has taken over, the old leader's writes are refused.
//
// RedisLeaderLease is the cluster's lease; LocalLeaderLease is the embedded mode's (one node,
// always the leader, epoch 1). Calls block; an instance is used by one thread at a time.
// Network failures throw StoreUnavailableError (see cluster/errors.h): the caller cannot tell
// whether it still leads and must stop writing once its last successful renew is a TTL old.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "cluster/redis_connection.h"

namespace codearena::cluster {

struct LeaseHolder {
  std::string node_id;
  int64_t epoch = 0;
  int64_t ttl_remaining_ms = -1;  // -1 when the lease never expires.
  std::string address;            // Where the holder's cluster port is (host:port), if given.
};

class LeaderLease {
 public:
  virtual ~LeaderLease() = default;

  // Takes the lease when nobody holds it and returns the new epoch; nullopt while another node
  // holds it. A node that already holds it renews instead and keeps its epoch (nullopt when
  // that renew fails because the lease was lost meanwhile: call again to compete anew).
  virtual std::optional<int64_t> try_acquire() = 0;
  // Extends the lease by its TTL; false when this node does not hold it (any more).
  virtual bool renew() = 0;
  // Gives the lease up if this node holds it, so another node can take over without waiting.
  virtual void release() = 0;
  // Who holds the lease now; nullopt when nobody does.
  virtual std::optional<LeaseHolder> holder() = 0;
};

// The embedded mode's lease: this process is always the leader, with epoch 1.
class LocalLeaderLease : public LeaderLease {
 public:
  explicit LocalLeaderLease(std::string node_id = "local") : node_id_(std::move(node_id)) {}
  std::optional<int64_t> try_acquire() override { return kEpoch; }
  bool renew() override { return true; }
  void release() override {}
  std::optional<LeaseHolder> holder() override { return LeaseHolder{node_id_, kEpoch, -1}; }

 private:
  static constexpr int64_t kEpoch = 1;
  const std::string node_id_;
};

// The lease is a Redis key whose value names the node, its epoch and its cluster address,
// {"node":..,"epoch":..,"address":..},
// set with NX and a TTL; the epoch comes from INCR of the key the job store fences on.
// Acquire, renew and release are Lua scripts, so each checks and acts atomically.
class RedisLeaderLease : public LeaderLease {
 public:
  // Connects at once (throws StoreUnavailableError, or std::invalid_argument for a bad URL).
  // `node_id` must be unique in the cluster; the lease lapses `ttl` after the last renew.
  // `address` is published with the lease so that other nodes can reach the leader.
  RedisLeaderLease(const RedisOptions& options, std::string node_id, std::chrono::milliseconds ttl,
                   std::string address = "");

  std::optional<int64_t> try_acquire() override;
  bool renew() override;
  void release() override;
  std::optional<LeaseHolder> holder() override;

 private:
  const RedisKeys keys_;
  const std::string node_id_;
  const std::string address_;
  const std::chrono::milliseconds ttl_;
  RedisConnection connection_;
  std::string held_value_;  // The lease key's value while this node believes it holds it.
  int64_t held_epoch_ = 0;
};

}  // namespace codearena::cluster
