// The metrics actor of a node: renders the node's metric registry for /metrics, after
// refreshing the gauges that mirror the leader's scheduler (queue depth per priority, active
// jobs, slots busy and free, workers, jobs retained, and the cluster: epoch, leader, nodes by
// role, slots per node, and counters of leader changes and lost nodes), asked through the
// node's submission actor.
#pragma once

#include <caf/fwd.hpp>

#include "actors/messages.h"

namespace codearena::telemetry {
class Registry;
}

namespace codearena::actors {

// Registers the scheduler gauges in `registry` (once per registry) and spawns the actor.
// `registry` must outlive the actor system.
metrics_actor spawn_metrics_actor(caf::actor_system& system, submission_actor submission,
                                  telemetry::Registry& registry);

}  // namespace codearena::actors
