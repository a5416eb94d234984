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

// The `limit` actors with the fullest mailboxes, then those that handled the most messages.
std::string busiest_actors_table(const nlohmann::json& actors, size_t limit);

}  // namespace codearena::app
