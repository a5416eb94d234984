// What a node does with each job transition besides the scheduler's own work: one JSON log line
// per state change, the job metrics (jobs by language and verdict; queue wait, compile and run
// durations by language; compile cache hits and misses; internal errors), and the webhook of a
// finished job that asked for one.
//
// Called on the scheduler's thread (see actors::TransitionHook): quick, never blocking. The
// registry, logger and sender must outlive it.
#pragma once

#include "actors/job_types.h"

#include "telemetry/log.h"
#include "telemetry/metrics.h"
#include "webhooks/webhook_sender.h"

namespace codearena::app {

class JobObserver {
 public:
  JobObserver(telemetry::Registry& registry, telemetry::Logger& logger,
              webhooks::WebhookSender& webhooks);

  void operator()(const actors::JobEvent& event, const actors::JobSpec& spec);

 private:
  void log_transition(const actors::JobStatus& status);
  void count_final(const actors::JobStatus& status);
  void count_compilation(const actors::JobOutcome& outcome);

  telemetry::Logger& logger_;
  webhooks::WebhookSender& webhooks_;
  telemetry::CounterFamily& jobs_;
  telemetry::HistogramFamily& queue_wait_;
  telemetry::HistogramFamily& compile_duration_;
  telemetry::CounterFamily& compile_cache_;
  telemetry::HistogramFamily& run_duration_;
  telemetry::Counter& internal_errors_;
  telemetry::Counter& webhooks_refused_;
};

}  // namespace codearena::app
