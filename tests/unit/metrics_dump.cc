// Prints a registry holding every kind of metric, with label values that need escaping, for
// the Prometheus text-format test (prometheus_text_test.py) to parse.
#include <cmath>
#include <iostream>
#include <limits>

#include "telemetry/metrics.h"

using namespace codearena::telemetry;

int main() {
  Registry registry;
  CounterFamily& requests = registry.counter(
      "codearena_http_requests_total",
      "HTTP requests by \"method\", route and status.\nSee \\docs.", {"method", "route", "status"});
  requests.with({"GET", "/api/jobs/:id", "200"}).inc(41);
  requests.with({"GET", "/api/jobs/:id", "200"}).inc();
  requests.with({"POST", "quote\" backslash\\ newline\n end", "400"}).inc(0.5);
  requests.with({"DELETE", "unicode \xc3\xa9\xe2\x9c\x93 {a=\"b\",c}", "404"});
  registry.counter("codearena_started_total", "Processes started.").with().inc();

  registry.gauge("codearena_jobs_running", "Jobs running.").with().set(3);
  GaugeFamily& special = registry.gauge("codearena_special_values", "Edge values.", {"case"});
  special.with({"nan"}).set(std::nan(""));
  special.with({"inf"}).set(std::numeric_limits<double>::infinity());
  special.with({"minus_inf"}).set(-std::numeric_limits<double>::infinity());
  special.with({"huge"}).set(1e300);
  special.with({"tiny"}).set(-2.5e-12);
  special.with({"big_integer"}).set(123456789012);
  special.with({""}).set(1);
  registry.gauge("codearena_queue_depth", "Jobs waiting, computed when scraped.", {"priority"})
      .with({"high"})
      .set_callback([] { return 17.0; });

  HistogramFamily& latency =
      registry.histogram("codearena_http_request_duration_seconds", "Request latency.", {"route"},
                         {0.005, 0.01, 0.1, 1, 10});
  for (double seconds : {0.001, 0.005, 0.05, 0.5, 5.0, 50.0}) {
    latency.with({"/api/execute"}).observe(seconds);
  }
  latency.with({"/health"}).observe(0.0001);
  latency.with({"/never \"observed\""});
  registry.histogram("codearena_job_seconds", "Unlabelled, no observation.", {}, {1, 60});

  std::cout << registry.render();
  return 0;
}
