#include "http/inspect_json.h"

#include <algorithm>

namespace codearena::http {
namespace {

using nlohmann::json;

json or_null(int64_t value) {
  return value < 0 ? json(nullptr) : json(value);
}

json node_json(const actors::ClusterInspection& inspection, const actors::NodeStats& node,
               bool lost) {
  const int64_t now = inspection.gathered_at_ms;
  const auto report = inspection.reports.find(node.info.id);
  const actors::NodeReport* self = report == inspection.reports.end() ? nullptr : &report->second;
  return {{"id", node.info.id},
          {"roles", node.info.roles},
          {"address", node.info.address},
          {"leader", node.leader},
          {"epoch", node.leader ? json(inspection.stats.epoch) : json(nullptr)},
          {"leaseLeftMs", self && node.leader ? or_null(self->lease_left_ms) : json(nullptr)},
          {"lastHeartbeatAgeMs", std::max<int64_t>(0, now - node.last_seen_ms)},
          {"slotsBusy", node.busy},
          {"slotsTotal", node.info.slots},
          {"languages", self ? json(self->languages) : json(nullptr)},
          {"version", self ? json(self->version) : json(nullptr)},
          {"startedAtMs", self ? json(self->started_at_ms) : json(nullptr)},
          {"answered", self != nullptr},
          {"state", node_state(node, lost, now, inspection.heartbeat_interval_ms,
                               inspection.node_timeout_ms)}};
}

json actor_json(const actors::ActorReport& actor) {
  return {{"name", actor.name},
          {"type", actor.type},
          {"mailbox", actor.mailbox},
          {"handled", or_null(actor.handled)},
          {"idleMs", or_null(actor.idle_ms)},
          {"busyUs", or_null(actor.busy_us)},
          {"state", actor.state}};
}

json node_actors_json(const actors::ClusterInspection& inspection, const std::string& id) {
  const auto report = inspection.reports.find(id);
  json actors = json::array();
  if (report != inspection.reports.end()) {
    for (const auto& actor : report->second.actors) actors.push_back(actor_json(actor));
  }
  return {{"id", id}, {"answered", report != inspection.reports.end()}, {"actors", actors}};
}

}  // namespace

std::string node_state(const actors::NodeStats& node, bool lost, int64_t now_ms,
                       int64_t heartbeat_interval_ms, int64_t node_timeout_ms) {
  if (lost) return "lost";
  if (node.draining) return "draining";
  const int64_t silent_ms = now_ms - node.last_seen_ms;
  if (silent_ms >= node_timeout_ms) return "lost";
  return silent_ms > 2 * heartbeat_interval_ms ? "late" : "alive";
}

json nodes_json(const actors::ClusterInspection& inspection) {
  json nodes = json::array();
  for (const auto& node : inspection.stats.nodes) nodes.push_back(node_json(inspection, node, false));
  for (const auto& node : inspection.lost) nodes.push_back(node_json(inspection, node, true));
  return {{"leader", inspection.stats.leader},
          {"epoch", inspection.stats.epoch},
          {"gatheredAtMs", inspection.gathered_at_ms},
          {"queued", inspection.stats.queued_by_priority},
          {"retryWaiting", inspection.stats.retry_waiting},
          {"active", inspection.stats.active},
          {"jobsPerSecond", inspection.stats.jobs_per_second_last_minute},
          {"latencyP50Ms", inspection.stats.latency_p50_ms},
          {"latencyP99Ms", inspection.stats.latency_p99_ms},
          {"nodes", nodes}};
}

std::optional<json> actors_json(const actors::ClusterInspection& inspection,
                                const std::string& node) {
  json nodes = json::array();
  for (const auto& joined : inspection.stats.nodes) {
    if (node.empty() || joined.info.id == node)
      nodes.push_back(node_actors_json(inspection, joined.info.id));
  }
  if (!node.empty() && nodes.empty()) return std::nullopt;
  return json{{"gatheredAtMs", inspection.gathered_at_ms}, {"nodes", nodes}};
}

json timeline_json(const actors::JobStatus& status) {
  json hops = json::array();
  int64_t previous = status.timeline.empty() ? 0 : status.timeline.front().at_ms;
  for (const auto& hop : status.timeline) {
    hops.push_back({{"atMs", hop.at_ms},
                    {"event", hop.event},
                    {"node", hop.node},
                    {"detail", hop.detail},
                    {"sincePreviousMs", hop.at_ms - previous}});
    previous = hop.at_ms;
  }
  const int64_t total = status.timeline.empty()
                            ? 0
                            : status.timeline.back().at_ms - status.timeline.front().at_ms;
  return {{"id", status.id},
          {"state", actors::state_name(status.state)},
          {"attempts", status.attempts},
          {"totalMs", total},
          {"timeline", hops}};
}

}  // namespace codearena::http
