// `codearena-bench scale-out`: see scale_out_bench.h.
//
// Worker nodes are added, never removed, between measurements, so the counts must ascend. The
// closed loop keeps twice as many requests open as the cluster has slots, so that a freed slot
// always finds a queued job: what is measured is what the slots (and whatever limits the leader
// or the machine) let through, not the client.
#include "tools/bench/scale_out_bench.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "tests/support/redis_server.h"
#include "tools/bench/api_load.h"
#include "tools/bench/args.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/http_client.h"
#include "tools/bench/measure.h"
#include "tools/bench/serve_process.h"

namespace codearena::bench {

const char kScaleOutBenchUsage[] =
    R"usage(usage: codearena-bench scale-out [options]   (needs root and redis-server)

Starts a private redis-server (AOF, appendfsync always), one `codearena serve` with
ROLES=api,scheduler and worker nodes with ROLES=worker and WORKER_CONCURRENCY=<slots>, all on
loopback. For each worker count it measures Python jobs that sleep (time.sleep) through
POST /api/execute?wait=true, with twice as many open requests as the cluster has slots.
Ideal jobs/s = workers x slots / sleep. The last line is
  scale-out workers_<n>_jobs_per_s=<x> ... ratio_<n>=<x / 1-worker jobs/s> ...

Options:
  --workers LIST    worker counts to measure, ascending, comma-separated (default 1,2,4)
  --slots N         slots per worker node (default 4)
  --sleep-ms N      how long each job sleeps (default 500)
  --seconds N       length of each measurement, after 2 s of warm-up (default 10)
)usage";

namespace {

constexpr int64_t kJoinTimeoutMs = 120'000;

struct Options {
  std::vector<int64_t> workers = {1, 2, 4};
  int64_t slots = 4;
  int64_t sleep_ms = 500;
  int64_t seconds = 10;
};

std::vector<int64_t> parse_counts(const std::string& text) {
  std::vector<int64_t> counts;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    const double count = positive_number("--workers", item);
    if (count != static_cast<double>(static_cast<int64_t>(count)) ||
        (!counts.empty() && count <= static_cast<double>(counts.back()))) {
      throw UsageError("--workers: expected ascending whole numbers, got '" + text + "'");
    }
    counts.push_back(static_cast<int64_t>(count));
    start = comma + 1;
  }
  return counts;
}

Options parse_options(const std::vector<std::string>& raw) {
  Options options;
  ArgReader args(raw);
  std::string workers;
  while (!args.done()) {
    if (args.take_text("--workers", &workers)) {
      options.workers = parse_counts(workers);
      continue;
    }
    if (args.take_number("--slots", &options.slots) ||
        args.take_number("--sleep-ms", &options.sleep_ms) ||
        args.take_number("--seconds", &options.seconds)) {
      continue;
    }
    args.reject();
  }
  return options;
}

ApiJob sleeping_job(int64_t sleep_ms) {
  const std::string code = "import time\ntime.sleep(" + std::to_string(sleep_ms / 1000.0) +
                           ")\nprint(\"slept\")\n";
  return ApiJob{nlohmann::json{{"language", "python"}, {"code", code}}.dump(), "slept\n"};
}

std::string comma_separated(const std::vector<int64_t>& counts) {
  std::string list;
  for (const auto count : counts) list += (list.empty() ? "" : ",") + std::to_string(count);
  return list;
}

// The worker slots the API node's /api/stats lists (0 while it knows no leader).
int64_t listed_worker_slots(HttpConnection& connection) {
  const HttpResponse response = connection.request("GET", "/api/stats");
  if (response.status != 200) return 0;
  const auto stats = nlohmann::json::parse(response.body, nullptr, false);
  if (stats.is_discarded() || !stats.contains("cluster")) return 0;
  int64_t slots = 0;
  for (const auto& node : stats["cluster"].value("nodes", nlohmann::json::array())) {
    const auto roles = node.value("roles", nlohmann::json::array());
    if (std::find(roles.begin(), roles.end(), "worker") != roles.end()) {
      slots += node.value("slots", int64_t{0});
    }
  }
  return slots;
}

// Waits until the leader lists `slots` worker slots; throws after kJoinTimeoutMs.
void wait_for_worker_slots(const ServeProcess& api, int64_t slots) {
  HttpConnection connection(api.port());
  const int64_t deadline = monotonic_ns() + kJoinTimeoutMs * 1'000'000;
  while (listed_worker_slots(connection) != slots) {
    if (monotonic_ns() > deadline) {
      throw std::runtime_error("the leader did not list " + std::to_string(slots) +
                               " worker slots within " + std::to_string(kJoinTimeoutMs / 1000) +
                               " s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

int run(const Options& options) {
  std::printf(
      "codearena-bench scale-out: workers %s, %lld slots each, jobs sleep %lld ms, %lld s per "
      "measurement\nmachine: %s\n",
      comma_separated(options.workers).c_str(),
      static_cast<long long>(options.slots), static_cast<long long>(options.sleep_ms),
      static_cast<long long>(options.seconds), machine_description().c_str());
  std::fflush(stdout);

  testing::RedisServer redis(testing::RedisServer::Options{true, "always"});
  const std::vector<std::string> cluster = {"REDIS_URL=" + redis.url()};
  auto with = [&](std::vector<std::string> settings) {
    settings.insert(settings.end(), cluster.begin(), cluster.end());
    return settings;
  };
  const ServeProcess api(
      1, with({"ROLES=api,scheduler", "NODE_ID=api-scheduler",
               "CLUSTER_LISTEN=127.0.0.1:" + std::to_string(testing::free_loopback_port())}));
  std::printf("redis-server on %s; api,scheduler node on 127.0.0.1:%u\n", redis.url().c_str(),
              api.port());

  const ApiJob job = sleeping_job(options.sleep_ms);
  std::vector<std::unique_ptr<ServeProcess>> workers;
  std::vector<double> jobs_per_s;
  std::printf("\n  %7s %6s %6s %8s %8s %6s %8s %8s %8s %12s %6s\n", "workers", "slots", "jobs",
              "jobs/s", "ideal", "share", "ratio", "p50_ms", "p99_ms", "leader_us/job", "load");
  for (const int64_t count : options.workers) {
    while (static_cast<int64_t>(workers.size()) < count) {
      workers.push_back(std::make_unique<ServeProcess>(
          options.slots,
          with({"ROLES=worker", "NODE_ID=worker-" + std::to_string(workers.size() + 1)})));
    }
    const int64_t slots = count * options.slots;
    wait_for_worker_slots(api, slots);
    run_api_closed_loop(api, 2 * slots, 2, job);  // Warm-up: every slot's box and interpreter.
    const LoadFigures figures =
        run_api_closed_loop(api, 2 * slots, static_cast<double>(options.seconds), job);
    jobs_per_s.push_back(figures.jobs_per_s());
    const double ideal = static_cast<double>(slots) * 1000.0 / static_cast<double>(options.sleep_ms);
    const Summary latency = summarize(figures.latencies_us);
    std::printf("  %7lld %6lld %6lld %8.1f %8.1f %6.2f %8.2f %8.1f %8.1f %12.0f %6.2f\n",
                static_cast<long long>(count), static_cast<long long>(slots),
                static_cast<long long>(figures.jobs), figures.jobs_per_s(), ideal,
                figures.jobs_per_s() / ideal, figures.jobs_per_s() / jobs_per_s.front(),
                latency.median_us / 1000, latency.p99_us / 1000,
                figures.server_cpu_us / static_cast<double>(figures.jobs), figures.load_average);
    std::fflush(stdout);
  }
  std::printf(
      "\nratio: jobs/s against the first row; share: jobs/s against the ideal; leader_us/job: CPU "
      "of the api,scheduler node's threads per job\n\nscale-out");
  for (size_t i = 0; i < jobs_per_s.size(); ++i) {
    std::printf(" workers_%lld_jobs_per_s=%.1f", static_cast<long long>(options.workers[i]),
                jobs_per_s[i]);
  }
  for (size_t i = 0; i < jobs_per_s.size(); ++i) {
    std::printf(" ratio_%lld=%.2f", static_cast<long long>(options.workers[i]),
                jobs_per_s[i] / jobs_per_s.front());
  }
  std::printf("\n");
  return 0;
}

}  // namespace

int scale_out_bench(const std::vector<std::string>& args) {
  return run_subcommand("scale-out", kScaleOutBenchUsage,
                        [&] { return run(parse_options(args)); });
}

}  // namespace codearena::bench
