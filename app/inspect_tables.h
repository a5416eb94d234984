// Readable tables of the inspection endpoints' JSON (docs/inspect.md), for `codearena inspect`.
// Pure functions: JSON in, text out (plain ANSI-free text; `top` adds its own screen control).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace codearena::app {

// The cluster line (leader, epoch, queue, throughput) and one row per node.
std::string nodes_table(const nlohmann::json& nodes);

// One row per actor, grouped by node.
std::string actors_table(const nlohmann::json& actors);

// One row per hop of the job's timeline, with the time since the hop before.
std::string timeline_table(const nlohmann::json& timeline);

// The `limit` actors that handled the most messages, then the `limit` with the longest mean
// time per message, both counted since `before` (an earlier answer of the actors endpoint;
// null: since each actor started).
std::string actor_activity_tables(const nlohmann::json& actors, const nlohmann::json& before,
                                  size_t limit);

}  // namespace codearena::app
