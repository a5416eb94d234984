#include "app/serve_command.h"

#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>

#include <cstdlib>
#include <iostream>
#include <optional>

#include "app/job_observer.h"
#include "app/serve_config.h"
#include "app/teardown_deadline.h"
#include "app/webhook_relay.h"
#include "cluster/secret_identity.h"
#include "http/server.h"
#include "node/service.h"
#include "sandbox/errors.h"
#include "telemetry/log.h"
#include "telemetry/metrics.h"
#include "telemetry/process_metrics.h"
#include "webhooks/webhook_sender.h"

namespace codearena::app {
namespace {

using telemetry::LogLevel;

// How long the node may take to stop its runtime after the shutdown has finished its work.
constexpr std::chrono::milliseconds kTeardownLimit{10000};

// Blocks the shutdown signals in this thread before any other thread exists, so every thread
// inherits the mask and only the sigwait() below receives them.
sigset_t block_shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int wait_for_shutdown_signal(const sigset_t& signals) {
  int received = 0;
  while (sigwait(&signals, &received) != 0) {
  }
  return received;
}

webhooks::OutcomeCallback log_webhook_outcome(telemetry::Logger& logger,
                                              telemetry::CounterFamily& deliveries) {
  return [&logger, &deliveries](const webhooks::DeliveryOutcome& outcome) {
    deliveries.with({outcome.delivered ? "delivered" : "failed"}).inc();
    logger.log(outcome.delivered ? LogLevel::info : LogLevel::warn, "webhook",
               {{"jobId", outcome.job_id},
                {"url", outcome.url},
                {"delivered", outcome.delivered},
                {"attempts", outcome.attempts},
                {"error", outcome.last_error},
                {"httpStatus", outcome.last_http_status}});
  };
}

// Raises the open-file limit to its hard maximum and keeps the HTTP connection limit below it,
// with room for sandboxes, Redis and cluster sockets, so that a burst of clients meets the
// connection limiter instead of failing accept() and file creation alike.
void fit_connections_to_file_limit(http::HttpConfig& http, telemetry::Logger& logger) {
  constexpr rlim_t kReservedFiles = 1024;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) != 0) return;
  if (files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
    getrlimit(RLIMIT_NOFILE, &files);
  }
  const rlim_t usable =
      files.rlim_cur > 2 * kReservedFiles ? files.rlim_cur - kReservedFiles : files.rlim_cur / 2;
  if (http.max_connections <= usable) return;
  logger.log(
      LogLevel::warn, "connections_limited",
      {{"wanted", http.max_connections}, {"allowed", usable}, {"openFileLimit", files.rlim_cur}});
  http.max_connections = usable;
}

// Outputs of up to the output limit (16 MB) pass through a node for every test and are freed
// soon after. With a fixed mmap threshold such buffers go back to the kernel when freed; glibc's
// adaptive threshold would rise to their size and keep them in its heaps, so that the node's
// resident memory grew to the most it ever held at once and stayed there
// (docs/benchmarks.md, "Memory under load").
void return_large_buffers_to_the_kernel() {
  constexpr int kMmapThresholdBytes = 256 << 10;
  ::mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
}

int serve(ServeConfig config, const sigset_t& signals) {
  return_large_buffers_to_the_kernel();
  // Before the service, which reads its files for every connection, and destroyed after it.
  std::optional<cluster::SecretTlsIdentity> cluster_identity;
  if (!config.cluster_secret.empty()) {
    const auto& files = cluster_identity.emplace(config.cluster_secret).files();
    auto& cluster = config.service.cluster;
    cluster.tls_certificate = files.certificate;
    cluster.tls_key = files.key;
    cluster.tls_ca_file = files.ca_file;
  }
  telemetry::Logger logger(config.log_level);
  telemetry::Registry registry;
  telemetry::register_process_metrics(registry);
  auto& deliveries = registry.counter("codearena_webhook_deliveries_total",
                                      "Webhook deliveries that ended, by outcome.", {"outcome"});
  WebhookRelay relay;
  const auto log_outcome = log_webhook_outcome(logger, deliveries);
  webhooks::WebhookSender sender(
      config.webhooks,
      [&relay, log_outcome](const webhooks::DeliveryOutcome& outcome) {
        log_outcome(outcome);
        relay.forward(outcome, true);
      },
      [&relay](const webhooks::DeliveryOutcome& outcome) { relay.forward(outcome, false); });
  JobObserver observer(registry, logger, sender);
  config.service.on_transition = [&observer](const actors::JobEvent& event,
                                             const actors::JobSpec& spec) {
    observer(event, spec);
  };
  config.service.metrics = &registry;
  config.service.logger = &logger;
  config.http.job_api = config.service.cluster.api;
  config.http.callback_destinations = config.webhooks.destinations;
  TeardownDeadline teardown;  // Destroyed after the server and the service it guards.
  // Declared before the service so that it is destroyed after it: actors still finishing a
  // request may call back into the server's handlers until the service has stopped them.
  std::optional<http::HttpServer> server;
  actors::JobService service(config.service);
  relay.attach(&service);
  // Detached before the service goes, whichever way this function ends.
  const std::unique_ptr<WebhookRelay, void (*)(WebhookRelay*)> detach(
      &relay, [](WebhookRelay* attached) { attached->attach(nullptr); });
  const auto& cluster = config.service.cluster;
  logger.log(LogLevel::info, "sandbox_ready",
             {{"node", cluster.node_id},
              {"api", cluster.api},
              {"scheduler", cluster.scheduler},
              {"worker", cluster.worker},
              {"redis", cluster.redis_url},
              {"clusterAddress", cluster.advertise},
              {"slots", config.service.worker.slots},
              {"languages", service.languages().all().size()},
              {"precompiledHeaders", service.preparation_report()}});
  fit_connections_to_file_limit(config.http, logger);
  server.emplace(config.http, service, registry, logger);
  server->start();
  logger.log(LogLevel::info, "listening",
             {{"address", config.http.address},
              {"port", config.http.port},
              {"scheme", config.http.tls_cert_file.empty() ? "http" : "https"},
              {"authentication", config.http.auth.enabled() ? "bearer" : "off"}});

  const int received = wait_for_shutdown_signal(signals);
  logger.log(LogLevel::info, "shutdown_started",
             {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"},
              {"graceMs", config.shutdown_grace_ms}});
  server->stop_accepting_jobs();
  const int64_t failed = service.drain(config.shutdown_grace_ms);
  sender.stop(std::chrono::milliseconds(5000));
  server->stop();
  logger.log(LogLevel::info, "shutdown_finished", {{"jobsFailed", failed}});
  teardown.arm(kTeardownLimit, 0, [&logger] {
    logger.log(LogLevel::warn, "teardown_timeout",
               {{"limitMs", kTeardownLimit.count()},
                {"detail", "the actor runtime did not stop; exiting without it"}});
  });
  return 0;
}

}  // namespace

int serve_command(const std::vector<std::string>& args) {
  ServeConfig config;
  try {
    config = parse_serve_config(args, [](const char* name) { return std::getenv(name); });
  } catch (const ServeUsageError& error) {
    std::cerr << "codearena serve: " << error.what() << "\n\n" << serve_usage();
    return 2;
  }
  const sigset_t signals = block_shutdown_signals();
  // A client that disconnects must not kill the node through a write to its socket.
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return serve(std::move(config), signals);
  } catch (const std::exception& error) {
    std::cerr << "codearena serve: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace codearena::app
