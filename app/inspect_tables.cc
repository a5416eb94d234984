#include "app/inspect_tables.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

namespace codearena::app {
namespace {

using nlohmann::json;
using Row = std::vector<std::string>;

// Columns padded to their widest cell, two spaces apart.
std::string table(const Row& header, const std::vector<Row>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  const auto widen = [&](const Row& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  };
  widen(header);
  for (const auto& row : rows) widen(row);
  std::ostringstream out;
  const auto print = [&](const Row& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      out << row[i];
      if (i + 1 < row.size()) out << std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << '\n';
  };
  print(header);
  for (const auto& row : rows) print(row);
  return out.str();
}

// A field as text: numbers and strings as they are, null as "-", arrays comma-separated.
std::string text(const json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_array()) {
    std::string joined;
    for (const auto& item : value) joined += (joined.empty() ? "" : ",") + text(item);
    return joined.empty() ? "-" : joined;
  }
  if (value.is_number_float()) {
    std::ostringstream out;
    out.precision(3);
    out << value.get<double>();
    return out.str();
  }
  return value.dump();
}

std::string field(const json& object, const char* name) {
  const auto found = object.find(name);
  return found == object.end() ? "-" : text(*found);
}

// Milliseconds as "850ms", "12.3s" or "4m05s".
std::string duration(const json& value) {
  if (!value.is_number()) return "-";
  const int64_t ms = value.get<int64_t>();
  if (ms < 1000) return std::to_string(ms) + "ms";
  if (ms < 60'000) return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
  const int64_t seconds = ms / 1000;
  const std::string rest = std::to_string(seconds % 60);
  return std::to_string(seconds / 60) + "m" + (rest.size() < 2 ? "0" : "") + rest + "s";
}

Row actor_row(const std::string& node, const json& actor) {
  return {node,
          field(actor, "name"),
          field(actor, "type"),
          field(actor, "mailbox"),
          field(actor, "handled"),
          duration(actor.value("idleMs", json())),
          field(actor, "state")};
}

const Row kActorHeader{"NODE", "ACTOR", "TYPE", "MAILBOX", "HANDLED", "IDLE", "STATE"};

int64_t number(const json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_number() ? found->get<int64_t>() : 0;
}

// One actor's figures in an answer of the actors endpoint.
struct ActorSample {
  std::string node;
  json actor;
  int64_t mailbox = 0;
  int64_t handled = 0;
  int64_t busy_us = 0;

  std::string key() const { return node + "/" + field(actor, "name"); }
  // Mean microseconds per message; 0 without messages.
  int64_t mean_us() const { return handled > 0 ? busy_us / handled : 0; }
};

std::vector<ActorSample> samples_of(const json& actors) {
  std::vector<ActorSample> samples;
  if (!actors.is_object() || !actors.contains("nodes")) return samples;
  for (const auto& node : actors.at("nodes")) {
    for (const auto& actor : node.at("actors")) {
      samples.push_back({field(node, "id"), actor, number(actor, "mailbox"),
                         number(actor, "handled"), number(actor, "busyUs")});
    }
  }
  return samples;
}

std::string activity_table(const std::vector<ActorSample>& samples, size_t limit) {
  std::vector<Row> rows;
  for (size_t i = 0; i < samples.size() && i < limit; ++i) {
    const auto& sample = samples[i];
    rows.push_back({sample.node, field(sample.actor, "name"), std::to_string(sample.mailbox),
                    std::to_string(sample.handled),
                    sample.handled > 0 ? std::to_string(sample.mean_us()) : "-",
                    duration(sample.actor.value("idleMs", json())), field(sample.actor, "state")});
  }
  return table({"NODE", "ACTOR", "MAILBOX", "HANDLED", "MEAN US", "IDLE", "STATE"}, rows);
}

}  // namespace

std::string nodes_table(const json& nodes) {
  std::ostringstream summary;
  summary << "leader " << field(nodes, "leader") << "  epoch " << field(nodes, "epoch")
          << "  queued " << field(nodes, "queued") << " (high,normal,low)  active "
          << field(nodes, "active") << "  jobs/s " << field(nodes, "jobsPerSecond")
          << "  latency p50 " << duration(nodes.value("latencyP50Ms", json())) << " p99 "
          << duration(nodes.value("latencyP99Ms", json())) << "\n\n";
  std::vector<Row> rows;
  for (const auto& node : nodes.at("nodes")) {
    rows.push_back({field(node, "id"), field(node, "roles"), field(node, "address"),
                    node.value("leader", false) ? "*" : "", field(node, "epoch"),
                    duration(node.value("leaseLeftMs", json())),
                    duration(node.value("lastHeartbeatAgeMs", json())),
                    field(node, "slotsBusy") + "/" + field(node, "slotsTotal"),
                    field(node, "languages"), field(node, "version"), field(node, "state")});
  }
  return summary.str() + table({"NODE", "ROLES", "ADDRESS", "LEADER", "EPOCH", "LEASE",
                                "HEARTBEAT", "SLOTS", "LANGUAGES", "VERSION", "STATE"},
                               rows);
}

std::string actors_table(const json& actors) {
  std::vector<Row> rows;
  for (const auto& node : actors.at("nodes")) {
    const std::string id = field(node, "id");
    if (!node.value("answered", false)) rows.push_back({id, "-", "-", "-", "-", "-", "no answer"});
    for (const auto& actor : node.at("actors")) rows.push_back(actor_row(id, actor));
  }
  return table(kActorHeader, rows);
}

std::string timeline_table(const json& timeline) {
  std::vector<Row> rows;
  for (const auto& hop : timeline.at("timeline")) {
    rows.push_back({"+" + duration(hop.value("sincePreviousMs", json())), field(hop, "event"),
                    field(hop, "node"), field(hop, "detail")});
  }
  std::ostringstream out;
  out << "job " << field(timeline, "id") << "  " << field(timeline, "state") << "  attempts "
      << field(timeline, "attempts") << "  total " << duration(timeline.value("totalMs", json()))
      << "\n\n"
      << table({"AFTER", "EVENT", "NODE", "DETAIL"}, rows);
  return out.str();
}

std::string actor_activity_tables(const json& actors, const json& before, size_t limit) {
  std::map<std::string, ActorSample> earlier;
  for (auto& sample : samples_of(before)) earlier.emplace(sample.key(), std::move(sample));
  std::vector<ActorSample> recent = samples_of(actors);
  for (auto& sample : recent) {
    const auto found = earlier.find(sample.key());
    // An actor restarted since (fewer messages) is counted from its start.
    if (found == earlier.end() || found->second.handled > sample.handled) continue;
    sample.handled -= found->second.handled;
    sample.busy_us -= found->second.busy_us;
  }
  std::vector<ActorSample> busiest = recent;
  std::stable_sort(busiest.begin(), busiest.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.handled, a.mailbox) > std::make_pair(b.handled, b.mailbox);
  });
  std::vector<ActorSample> slowest = std::move(recent);
  std::stable_sort(slowest.begin(), slowest.end(),
                   [](const auto& a, const auto& b) { return a.mean_us() > b.mean_us(); });
  return "busiest actors (messages since the last refresh)\n" + activity_table(busiest, limit) +
         "\nslowest actors (mean time per message since the last refresh)\n" +
         activity_table(slowest, limit);
}

}  // namespace codearena::app
