#include "node/inspection.h"

#include <chrono>

#include <caf/all.hpp>

#include "common/epoch_ms.h"

namespace codearena::actors {
namespace {

// An actor answers from its own thread between two messages: a second means it is stuck.
constexpr auto kActorPatience = std::chrono::seconds(1);
// A node answers once its actors have (or the patience above ran out), plus the network.
constexpr auto kNodePatience = std::chrono::seconds(2);
constexpr auto kLeaderPatience = std::chrono::seconds(5);

// Collects `expected` answers, then hands them on once.
template <class Item>
struct Collector {
  std::vector<Item> items;
  size_t expected = 0;
  std::function<void(std::vector<Item>)> done;

  void add(Item item) {
    items.push_back(std::move(item));
    if (items.size() == expected) done(std::move(items));
  }
};

struct InspectorState {
  InspectorConfig config;
  static constexpr const char* name = "inspector";
};

NodeReport report_of(const InspectorConfig& config) {
  NodeReport report = config.identity;
  const int64_t until = config.lease_until_ms ? config.lease_until_ms->load() : 0;
  if (until > 0) report.lease_left_ms = std::max<int64_t>(0, until - common::epoch_ms());
  return report;
}

local_inspector_actor::behavior_type inspector_behavior(
    local_inspector_actor::stateful_pointer<InspectorState> self, InspectorConfig config) {
  self->state.config = std::move(config);
  return {
      [=](local<join_atom>, std::string& name, caf::actor& actor) {
        self->state.config.actors.emplace_back(std::move(name), std::move(actor));
      },
      [=](inspect_atom) -> caf::result<NodeReport> {
        const auto& actors = self->state.config.actors;
        NodeReport report = report_of(self->state.config);
        if (actors.empty()) return report;
        auto promise = self->make_response_promise<NodeReport>();
        auto collector = std::make_shared<Collector<ActorReport>>();
        collector->expected = actors.size();
        collector->done = [promise, report](std::vector<ActorReport> found) mutable {
          report.actors = std::move(found);
          promise.deliver(std::move(report));
        };
        for (const auto& [name, actor] : actors) {
          self->request(actor, kActorPatience, local_v<inspect_atom>)
              .then([=](ActorReport& answer) { collector->add(std::move(answer)); },
                    [=, name = name](caf::error&) {
                      collector->add(ActorReport{name, "", 0, -1, -1, -1, "no answer"});
                    });
        }
        return promise;
      },
  };
}

void gather_reports(caf::event_based_actor* self, ClusterView view,
                    std::function<void(std::optional<ClusterInspection>)> done) {
  auto inspection = std::make_shared<ClusterInspection>();
  inspection->stats = std::move(view.stats);
  inspection->lost = std::move(view.lost);
  const auto finish = [=] {
    inspection->gathered_at_ms = common::epoch_ms();
    done(std::move(*inspection));
    self->quit();
  };
  if (view.inspectors.empty()) return finish();
  auto collector = std::make_shared<Collector<NodeReport>>();
  collector->expected = view.inspectors.size();
  collector->done = [=](std::vector<NodeReport> reports) {
    for (auto& report : reports) {
      if (!report.id.empty()) inspection->reports.emplace(report.id, std::move(report));
    }
    finish();
  };
  for (const auto& entry : view.inspectors) {
    self->request(entry.inspector, kNodePatience, inspect_atom::value)
        .then([=](NodeReport& report) { collector->add(std::move(report)); },
              [=](caf::error&) { collector->add(NodeReport{}); });
  }
}

}  // namespace

local_inspector_actor spawn_inspector(caf::actor_system& system, InspectorConfig config) {
  return system.spawn(inspector_behavior, std::move(config));
}

void gather_cluster(caf::actor_system& system, const submission_actor& submission,
                    std::function<void(std::optional<ClusterInspection>)> done) {
  // The submission actor is a spawn argument, not a capture (see node/service.cc).
  system.spawn(
      [done](caf::event_based_actor* self, const submission_actor& to) {
        self->request(to, kLeaderPatience, inspect_atom::value)
            .then([=](ClusterView& view) { gather_reports(self, std::move(view), done); },
                  [=](caf::error&) {
                    done(std::nullopt);
                    self->quit();
                  });
      },
      submission);
}

}  // namespace codearena::actors
