// `codearena-bench api-latency`: see api_latency_bench.h.
//
// The rate is half the closed-loop API throughput (see api-throughput) measured on the same
// node just before, unless --rate gives it. Each round sends rate × seconds requests; a pool of
// connections large enough that a request never waits for a free one sends them, so the
// schedule holds whatever the node does (the late-send count shows whether it did).
#include "tools/bench/api_latency_bench.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "tools/bench/api_load.h"
#include "tools/bench/args.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/measure.h"
#include "tools/bench/serve_process.h"

namespace codearena::bench {

const char kApiLatencyBenchUsage[] =
    R"usage(usage: codearena-bench api-latency [options]   (needs root)

Starts `codearena serve` (the binary beside this one) on a free loopback port with
WORKER_CONCURRENCY=<slots>, LOG_LEVEL=warn and API_RATE_LIMIT=0, measures its closed-loop
throughput of Python hello-world jobs (as api-throughput's API phase), then sends
POST /api/execute?wait=true {"language":"python","code":"print(\"hello\")"} at half that rate
on a fixed schedule (open loop) and times each from its due time to the finished job. The
last line is
  api-latency rate_per_s=<r> p50_ms=<x> p99_ms=<y>
over all rounds.

Options:
  --slots N         the node's sandbox slots (default: the cores)
  --rate X          jobs per second to send (default: half the measured throughput)
  --load F          fraction of the measured throughput to send (default 0.5)
  --calibrate N     seconds of the throughput measurement (default 10)
  --seconds N       length of each round (default 20)
  --rounds N        rounds (default 3)
  --connections N   client connections (default 32)
)usage";

namespace {
struct Options {
  int64_t slots = ::sysconf(_SC_NPROCESSORS_ONLN);
  std::string rate;
  std::string load = "0.5";
  int64_t calibrate = 10;
  int64_t seconds = 20;
  int64_t rounds = 3;
  int64_t connections = 32;
};

Options parse_options(const std::vector<std::string>& raw) {
  Options options;
  ArgReader args(raw);
  while (!args.done()) {
    if (args.take_number("--slots", &options.slots) || args.take_text("--rate", &options.rate) ||
        args.take_text("--load", &options.load) ||
        args.take_number("--calibrate", &options.calibrate) ||
        args.take_number("--seconds", &options.seconds) ||
        args.take_number("--rounds", &options.rounds) ||
        args.take_number("--connections", &options.connections)) {
      continue;
    }
    args.reject();
  }
  if (!options.rate.empty()) positive_number("--rate", options.rate);
  positive_number("--load", options.load);
  return options;
}

// Jobs per second to send: --rate, or --load times the closed-loop throughput of the node.
double choose_rate(const Options& options, const ServeProcess& node) {
  if (!options.rate.empty()) return positive_number("--rate", options.rate);
  const int64_t connections = 2 * options.slots;
  run_api_closed_loop(node, connections, 1);  // Warm-up.
  const LoadFigures measured =
      run_api_closed_loop(node, connections, static_cast<double>(options.calibrate));
  std::printf("\nthroughput, closed loop with %lld connections:\n",
              static_cast<long long>(connections));
  print_phase_heading();
  print_phase("api", measured);
  return measured.jobs_per_s() * positive_number("--load", options.load);
}

int run(const Options& options) {
  std::printf(
      "codearena-bench api-latency: %lld slots, %lld connections, %lld rounds of %lld s\n"
      "machine: %s\n",
      static_cast<long long>(options.slots), static_cast<long long>(options.connections),
      static_cast<long long>(options.rounds), static_cast<long long>(options.seconds),
      machine_description().c_str());
  const ServeProcess node(options.slots);
  std::printf("api: %s serve on 127.0.0.1:%u (pid %d), POST /api/execute?wait=true %s\n",
              node.binary().c_str(), node.port(), static_cast<int>(node.pid()), kHelloJob);
  const double rate = choose_rate(options, node);
  const auto requests =
      std::max<int64_t>(1, std::llround(rate * static_cast<double>(options.seconds)));
  std::printf("\nopen loop: %.1f jobs/s, %lld requests per round; latency from each due time\n",
              rate, static_cast<long long>(requests));
  print_phase_heading();
  std::vector<double> all_us;
  for (int64_t round = 1; round <= options.rounds; ++round) {
    int64_t late = 0;
    const LoadFigures figures = run_api_open_loop(node, rate, requests, options.connections, &late);
    print_phase("round " + std::to_string(round), figures);
    const Summary latency = summarize(figures.latencies_us);
    std::printf("  round %lld: p90 %.1f ms, max %.1f ms, %lld sent more than 1 ms late\n",
                static_cast<long long>(round), latency.p90_us / 1000,
                *std::max_element(figures.latencies_us.begin(), figures.latencies_us.end()) / 1000,
                static_cast<long long>(late));
    all_us.insert(all_us.end(), figures.latencies_us.begin(), figures.latencies_us.end());
  }
  const Summary total = summarize(all_us);
  std::printf("\nall rounds: %zu jobs, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms\n", total.count,
              total.median_us / 1000, total.p90_us / 1000, total.p99_us / 1000);
  std::printf("\napi-latency rate_per_s=%.1f p50_ms=%.1f p99_ms=%.1f\n", rate,
              total.median_us / 1000, total.p99_us / 1000);
  std::fflush(stdout);
  return 0;
}

}  // namespace

int api_latency_bench(const std::vector<std::string>& args) {
  return run_subcommand("api-latency", kApiLatencyBenchUsage,
                        [&] { return run(parse_options(args)); });
}

}  // namespace codearena::bench
