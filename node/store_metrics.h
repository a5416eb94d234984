// The job store's metrics: how long writes take (the leader waits for each before
// acknowledging a transition) and how often the store could not be reached.
#pragma once

#include "cluster/store_actor.h"
#include "node/service.h"

namespace codearena::telemetry {
class Registry;
}

namespace codearena::actors {

// Registers codearena_store_write_duration_seconds and codearena_store_unavailable_total in
// `registry` (once per registry; a second call throws std::invalid_argument) and chains hooks
// into `store_config` that feed them, keeping any hook already set. The store label is "redis"
// or "memory", after `cluster`. `registry` must outlive the store actor.
void observe_store(telemetry::Registry& registry, const ClusterConfig& cluster,
                   cluster::StoreActorConfig& store_config);

}  // namespace codearena::actors
