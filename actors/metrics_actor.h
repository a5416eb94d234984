// The metrics actor of a node: renders the node's metric registry for /metrics, after
// refreshing the gauges that mirror the leader's scheduler (queue depth per priority and
// language, active jobs, slots busy and free, workers, jobs retained, and the cluster: epoch,
// leader, nodes by role, slots per node, and counters of leader changes and lost nodes), asked
// through the node's submission actor.
#pragma once

#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/messages.h"

namespace codearena::telemetry {
class Registry;
}

namespace codearena::actors {

// Registers the scheduler gauges in `registry` (once per registry) and spawns the actor.
// `registry` must outlive the actor system. `languages` (the ids of the language table) bound
// the queue depth's language label: each has a series per priority, other languages none.
metrics_actor spawn_metrics_actor(caf::actor_system& system, submission_actor submission,
                                  telemetry::Registry& registry,
                                  std::vector<std::string> languages);

}  // namespace codearena::actors
