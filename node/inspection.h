// Introspection of a node and of the cluster, for `codearena inspect` (docs/inspect.md).
//
// Every node runs one inspector actor, which its membership announces to each leader it joins.
// Asked, the inspector describes its node (version, languages, the lease it holds) and asks
// each of the node's actors to describe itself (local inspect: mailbox, messages handled,
// state). Gathering the cluster asks the leader for its view (nodes, lost nodes, inspectors),
// then every inspector once. Nothing is collected ahead: the work is done on demand, one
// message per actor and node, each with a deadline.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/messages.h"

namespace codearena::actors {

// The cluster at one moment, as `codearena inspect` shows it.
struct ClusterInspection {
  SchedulerStats stats;                       // The leader's figures; nodes: the joined ones.
  std::vector<NodeStats> lost;                // Nodes the leader lost recently, as last seen.
  std::map<std::string, NodeReport> reports;  // By node id; a node missing did not answer.
  int64_t gathered_at_ms = 0;
  // The cluster's settings that say when a node is late or lost.
  int64_t heartbeat_interval_ms = 1000;
  int64_t node_timeout_ms = 5000;
};

struct InspectorConfig {
  NodeReport identity;  // id, version, languages and start time; no actors.
  // Until when the lease this node holds lasts (see cluster::MembershipConfig); may be null.
  std::shared_ptr<std::atomic<int64_t>> lease_until_ms;
  // The node's actors by name, each answering local inspect with an ActorReport.
  std::vector<std::pair<std::string, caf::actor>> actors;
};

// The node's inspector as its node holds it: join adds an actor (by name) to those it asks,
// for an actor made after the inspector.
using local_inspector_actor =
    inspector_actor::extend<caf::reacts_to<local<join_atom>, std::string, caf::actor>>;

// The node's inspector (one per node). An actor that does not describe itself within a second
// is reported by name with the state "no answer".
local_inspector_actor spawn_inspector(caf::actor_system& system, InspectorConfig config);

// Gathers the cluster through the node's submission actor (which asks the leader) and every
// node's inspector; `done` gets nullopt when no leader answered. Returns at once; `done` runs
// on one of the actor system's threads, within about 7 s (nodes that do not answer within 2 s
// are left out).
void gather_cluster(caf::actor_system& system, const submission_actor& submission,
                    std::function<void(std::optional<ClusterInspection>)> done);

}  // namespace codearena::actors
