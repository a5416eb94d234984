// The JSON shapes of the inspection endpoints (/api/admin/inspect/...), documented field by
// field in docs/inspect.md; `codearena inspect --json` prints them as they come. Pure functions
// of their arguments; no RESTinio.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/job_types.h"
#include "node/inspection.h"

namespace codearena::http {

// A node's state from what the leader last heard of it: "alive", "late" (no heartbeat for two
// intervals), "draining", or "lost" (silent for the node timeout, or its connection dropped).
std::string node_state(const actors::NodeStats& node, bool lost, int64_t now_ms,
                       int64_t heartbeat_interval_ms, int64_t node_timeout_ms);

// Every node, joined ones in id order, then the lost ones.
nlohmann::json nodes_json(const actors::ClusterInspection& inspection);

// Every node's actors, or only those of `node` (nullopt when the cluster has no such node).
std::optional<nlohmann::json> actors_json(const actors::ClusterInspection& inspection,
                                          const std::string& node);

// A job's timeline in time order, each hop with its time since the one before.
nlohmann::json timeline_json(const actors::JobStatus& status);

}  // namespace codearena::http
