#include "node/store_metrics.h"

#include "telemetry/metrics.h"

namespace codearena::actors {

void observe_store(telemetry::Registry& registry, const ClusterConfig& cluster,
                   cluster::StoreActorConfig& store_config) {
  const std::string store = cluster.redis_url.empty() ? "memory" : "redis";
  auto& written =
      registry
          .histogram("codearena_store_write_duration_seconds",
                     "Time the job store took to persist one batch of job transitions (a "
                     "round trip to Redis), by store.",
                     {"store"},
                     {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                      0.5, 1, 2.5})
          .with({store});
  auto& unavailable =
      registry
          .counter("codearena_store_unavailable_total",
                   "Attempts to reach the job store that failed, by store.", {"store"})
          .with({store});
  store_config.on_written = [&written, then = store_config.on_written](auto elapsed) {
    written.observe(elapsed.count());
    if (then) then(elapsed);
  };
  store_config.on_unavailable = [&unavailable,
                                 then = store_config.on_unavailable](const std::string& error) {
    unavailable.inc();
    if (then) then(error);
  };
}

}  // namespace codearena::actors
