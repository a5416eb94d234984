#include "actors/metrics_actor.h"

#include <chrono>

#include <caf/all.hpp>

#include "telemetry/metrics.h"

namespace codearena::actors {
namespace {

struct SchedulerGauges {
  explicit SchedulerGauges(telemetry::Registry& registry)
      : queue_depth(registry.gauge("codearena_queue_depth_jobs",
                                   "Jobs waiting to run, by priority (retries in backoff count "
                                   "under their priority's queue only once they are due).",
                                   {"priority"})),
        retry_waiting(registry.gauge("codearena_retry_backoff_jobs",
                                     "Jobs waiting out a retry backoff after an internal error.")
                          .with()),
        active(registry.gauge("codearena_active_jobs", "Jobs running now.").with()),
        slots(registry.gauge("codearena_slots", "Sandbox slots of the workers, by state.",
                             {"state"})),
        workers(registry.gauge("codearena_workers", "Worker pools joined to the scheduler.")
                    .with()),
        retained(registry.gauge("codearena_retained_jobs",
                                "Jobs the scheduler holds, finished ones included.")
                     .with()) {}

  void update(const SchedulerStats& stats) {
    for (int p = 0; p < kPriorityCount; ++p) {
      queue_depth.with({priority_name(static_cast<Priority>(p))})
          .set(static_cast<double>(stats.queued_by_priority[p]));
    }
    retry_waiting.set(static_cast<double>(stats.retry_waiting));
    active.set(static_cast<double>(stats.active));
    slots.with({"busy"}).set(static_cast<double>(stats.slots_busy));
    slots.with({"free"}).set(static_cast<double>(stats.slots_total - stats.slots_busy));
    workers.set(static_cast<double>(stats.workers));
    retained.set(static_cast<double>(stats.retained));
  }

  telemetry::GaugeFamily& queue_depth;
  telemetry::Gauge& retry_waiting;
  telemetry::Gauge& active;
  telemetry::GaugeFamily& slots;
  telemetry::Gauge& workers;
  telemetry::Gauge& retained;
};

metrics_actor::behavior_type metrics_behavior(metrics_actor::pointer self,
                                              scheduler_actor scheduler,
                                              telemetry::Registry* registry,
                                              std::shared_ptr<SchedulerGauges> gauges) {
  return {
      [=](render_atom) -> caf::result<std::string> {
        auto promise = self->make_response_promise<std::string>();
        self->request(scheduler, std::chrono::seconds(5), stats_atom::value)
            .then(
                [=](const SchedulerStats& stats) mutable {
                  gauges->update(stats);
                  promise.deliver(registry->render());
                },
                // Without the scheduler the gauges keep their last values; the rest is current.
                [=](caf::error&) mutable { promise.deliver(registry->render()); });
        return promise;
      },
  };
}

}  // namespace

metrics_actor spawn_metrics_actor(caf::actor_system& system, scheduler_actor scheduler,
                                  telemetry::Registry& registry) {
  return system.spawn(metrics_behavior, std::move(scheduler), &registry,
                      std::make_shared<SchedulerGauges>(registry));
}

}  // namespace codearena::actors
