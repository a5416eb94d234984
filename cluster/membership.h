// Membership: how a node finds the leader, joins it and stays known, and (on a scheduler-capable
// node) competes for the leader lease.
//
// One membership actor per node, detached when it uses Redis (the lease's calls block). Every
// period (the heartbeat interval, at most a third of the lease TTL) it:
// - renews or tries to take the lease (Redis; the embedded node always leads, a node with
//   --join never does) and tells the local scheduler `lead(epoch)` or `follow`;
// - finds the leader (itself, the lease holder's published address, or the --join address),
//   connects to it through CAF remoting (asynchronously, given up after the lease TTL, so a
//   leader that accepts and never answers cannot hold the node) and tells the node's
//   submission actor and pool;
// - joins the leader with the node's slots and the attempts its pool runs, then heartbeats.
// A leader whose connection drops is forgotten at once (CAF kills its proxy); a new one is
// looked for in the same step. `handover` gives the lease up for good (shutdown).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <caf/fwd.hpp>

#include "actors/messages.h"
#include "cluster/redis_connection.h"

namespace codearena::telemetry {
class Logger;
}

namespace codearena::cluster {

struct MembershipConfig {
  actors::NodeInfo node;              // This node; `address` is what the lease publishes.
  std::optional<RedisOptions> redis;  // The lease lives here when set.
  std::string join;                   // host:port of the leader, for a cluster without Redis.
  bool tls = false;                   // Connect to the leader over TLS (caf::openssl).
  std::chrono::milliseconds lease_ttl{5000};
  std::chrono::milliseconds heartbeat_interval{1000};
  // Where the membership publishes until when (milliseconds since the Unix epoch) the lease it
  // holds lasts; 0 while it holds none. Read by the node's inspector. May be null.
  std::shared_ptr<std::atomic<int64_t>> lease_until_ms;
};

// The node's own actors the membership keeps informed; invalid handles for absent roles.
struct NodeActors {
  actors::local_scheduler_actor scheduler;
  actors::pool_actor pool;
  actors::submission_actor submission;
  actors::inspector_actor inspector;  // Announced to every leader the node joins.
};

// handover: stop competing for the lease and release it if held; replies true. Both messages
// come from the node itself (tick is the membership's own timer).
using membership_actor =
    caf::typed_actor<caf::replies_to<actors::local<actors::handover_atom>>::with<bool>,
                     caf::reacts_to<actors::local<actors::tick_atom>>, actors::inspect_self>;

// `logger` must outlive the actor system.
membership_actor spawn_membership(caf::actor_system& system, MembershipConfig config,
                                  NodeActors local, telemetry::Logger& logger);

// Splits "host:port"; throws std::invalid_argument naming `what` when it is not one.
std::pair<std::string, uint16_t> parse_host_port(const std::string& text, const std::string& what);

}  // namespace codearena::cluster
