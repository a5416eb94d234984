#include "actors/metrics_actor.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include <caf/all.hpp>

#include "actors/counted_actor.h"
#include "telemetry/metrics.h"

namespace codearena::actors {
namespace {

// Mirrors a count the leader's scheduler keeps into a counter of this node. The count starts
// again from zero under each new leader (epoch); the counter only grows by what is new.
class CountMirror {
 public:
  explicit CountMirror(telemetry::Counter& counter) : counter_(counter) {}

  void update(int64_t count, int64_t epoch) {
    if (epoch != epoch_) last_ = 0;
    epoch_ = epoch;
    if (count > last_) counter_.inc(static_cast<double>(count - last_));
    last_ = count;
  }

 private:
  telemetry::Counter& counter_;
  int64_t epoch_ = 0;
  int64_t last_ = 0;
};

struct SchedulerGauges {
  SchedulerGauges(telemetry::Registry& registry, std::vector<std::string> language_ids)
      : languages(std::move(language_ids)),
        queue_depth(registry.gauge("codearena_queue_depth_jobs",
                                   "Jobs waiting to run, by priority and language (retries in "
                                   "backoff count under their priority's queue only once they "
                                   "are due).",
                                   {"priority", "language"})),
        retry_waiting(registry
                          .gauge("codearena_retry_backoff_jobs",
                                 "Jobs waiting out a retry backoff after an internal error.")
                          .with()),
        active(registry.gauge("codearena_active_jobs", "Jobs running now.").with()),
        slots(registry.gauge("codearena_slots", "Sandbox slots of the workers, by state.",
                             {"state"})),
        workers(
            registry.gauge("codearena_workers", "Worker pools joined to the scheduler.").with()),
        retained(registry
                     .gauge("codearena_retained_jobs",
                            "Jobs the scheduler holds, finished ones included.")
                     .with()),
        epoch(registry
                  .gauge("codearena_cluster_epoch",
                         "The leader's lease epoch (grows with every new leader).")
                  .with()),
        leader(registry.gauge("codearena_cluster_leader",
                              "1 for the node that leads the cluster, 0 for the others.",
                              {"node"})),
        node_slots(registry.gauge("codearena_cluster_node_slots",
                                  "Sandbox slots of each node of the cluster, by state.",
                                  {"node", "state"})),
        node_roles(registry.gauge("codearena_cluster_nodes",
                                  "Nodes that have joined the leader, by role.", {"role"})),
        nodes_lost(registry
                       .counter("codearena_cluster_nodes_lost_total",
                                "Nodes the leader dropped without their leaving first (silent "
                                "longer than the node timeout, or disconnected).")
                       .with()),
        leader_up(registry
                      .gauge("codearena_cluster_leader_up",
                             "1 when the leader answered this node's last scrape, 0 when no "
                             "leader did (the leader's gauges then keep their last values).")
                      .with()),
        leader_changes(registry
                           .counter("codearena_cluster_leader_changes_total",
                                    "New leaders seen (lease epochs the cluster moved to after "
                                    "the first one this node saw).")
                           .with()) {}

  void update_cluster(const SchedulerStats& stats) {
    epoch.set(static_cast<double>(stats.epoch));
    // Each new leader takes the next epoch, so the epochs passed since the last scrape are the
    // new leaders; the first epoch this node sees is not a change.
    if (last_epoch > 0 && stats.epoch > last_epoch)
      leader_changes.inc(static_cast<double>(stats.epoch - last_epoch));
    last_epoch = std::max(last_epoch, stats.epoch);
    nodes_lost_seen.update(stats.nodes_lost, stats.epoch);
    // Nodes that left keep a series: zero it rather than leaving their last values.
    for (const auto& node : nodes_seen) {
      leader.with({node}).set(0);
      node_slots.with({node, "busy"}).set(0);
      node_slots.with({node, "free"}).set(0);
    }
    std::map<std::string, double> roles{{"api", 0}, {"scheduler", 0}, {"worker", 0}};
    for (const auto& node : stats.nodes) {
      nodes_seen.insert(node.info.id);
      leader.with({node.info.id}).set(node.leader ? 1 : 0);
      node_slots.with({node.info.id, "busy"}).set(node.busy);
      node_slots.with({node.info.id, "free"}).set(node.info.slots - node.busy);
      for (const auto& role : node.info.roles) roles[role] += 1;
    }
    for (const auto& [role, count] : roles) node_roles.with({role}).set(count);
  }

  // Every language of the table has its series, at zero while none of its jobs waits, so that
  // autoscaling queries on a language find it; languages outside the table are not exported.
  void update_queue_depth(const SchedulerStats& stats) {
    static const std::vector<int64_t> kNoneQueued(kPriorityCount, 0);
    for (const auto& language : languages) {
      const auto found = stats.queued_by_language.find(language);
      const auto& queued = found == stats.queued_by_language.end() ? kNoneQueued : found->second;
      for (int p = 0; p < kPriorityCount && p < static_cast<int>(queued.size()); ++p) {
        queue_depth.with({priority_name(static_cast<Priority>(p)), language})
            .set(static_cast<double>(queued[p]));
      }
    }
  }

  void update(const SchedulerStats& stats) {
    update_queue_depth(stats);
    retry_waiting.set(static_cast<double>(stats.retry_waiting));
    active.set(static_cast<double>(stats.active));
    slots.with({"busy"}).set(static_cast<double>(stats.slots_busy));
    slots.with({"free"}).set(static_cast<double>(stats.slots_total - stats.slots_busy));
    workers.set(static_cast<double>(stats.workers));
    retained.set(static_cast<double>(stats.retained));
    update_cluster(stats);
  }

  const std::vector<std::string> languages;
  telemetry::GaugeFamily& queue_depth;
  telemetry::Gauge& retry_waiting;
  telemetry::Gauge& active;
  telemetry::GaugeFamily& slots;
  telemetry::Gauge& workers;
  telemetry::Gauge& retained;
  telemetry::Gauge& epoch;
  telemetry::GaugeFamily& leader;
  telemetry::GaugeFamily& node_slots;
  telemetry::GaugeFamily& node_roles;
  telemetry::Counter& nodes_lost;
  telemetry::Gauge& leader_up;
  telemetry::Counter& leader_changes;
  std::set<std::string> nodes_seen;
  int64_t last_epoch = 0;
  CountMirror nodes_lost_seen{nodes_lost};
};

metrics_actor::behavior_type metrics_behavior(counted_pointer<metrics_actor> self,
                                              submission_actor submission,
                                              telemetry::Registry* registry,
                                              std::shared_ptr<SchedulerGauges> gauges) {
  return {
      [=](render_atom) -> caf::result<std::string> {
        auto promise = self->make_response_promise<std::string>();
        self->request(submission, std::chrono::seconds(5), stats_atom::value)
            .then(
                [=](const SchedulerStats& stats) mutable {
                  gauges->leader_up.set(1);
                  gauges->update(stats);
                  promise.deliver(registry->render());
                },
                // Without a leader the gauges keep their last values; the rest is current.
                [=](caf::error&) mutable {
                  gauges->leader_up.set(0);
                  promise.deliver(registry->render());
                });
        return promise;
      },
      [=](local<inspect_atom>) {
        return describe(self, "metrics", "metrics", "renders /metrics on demand");
      },
  };
}

}  // namespace

metrics_actor spawn_metrics_actor(caf::actor_system& system, submission_actor submission,
                                  telemetry::Registry& registry,
                                  std::vector<std::string> languages) {
  return system.spawn(metrics_behavior, std::move(submission), &registry,
                      std::make_shared<SchedulerGauges>(registry, std::move(languages)));
}

}  // namespace codearena::actors
