// `codearena-bench api-throughput`: see api_throughput_bench.h.
//
// Both phases keep every slot busy: the bare phase with `slots` workers forking python3 back to
// back, the API phase with more connections than slots (by default twice as many) so that a
// slot finds the next job queued while the previous answer travels back. Rounds alternate which
// phase goes first, so that other work on the shared machine lands on both alike.
#include "tools/bench/api_throughput_bench.h"

#include <unistd.h>

#include <cstdio>

#include "judge/languages.h"
#include "tools/bench/api_load.h"
#include "tools/bench/args.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/serve_process.h"

namespace codearena::bench {

const char kApiThroughputBenchUsage[] =
    R"usage(usage: codearena-bench api-throughput [options]   (needs root)

Starts `codearena serve` (the binary beside this one) on a free loopback port with
WORKER_CONCURRENCY=<slots>, LOG_LEVEL=warn and API_RATE_LIMIT=0, then measures Python
hello-world jobs per second, in alternating phases:
  bare  <slots> workers each running python3 -c 'print("hello")' back to back
  api   <connections> keep-alive connections each sending POST /api/execute?wait=true
        {"language":"python","code":"print(\"hello\")"} back to back
The last line is
  api-throughput bare_jobs_per_s=<x> api_jobs_per_s=<y> ratio=<y/x>
over all rounds.

Options:
  --slots N         the node's sandbox slots and the bare workers (default: the cores)
  --connections N   API client connections (default: twice the slots)
  --seconds N       length of each phase (default 10)
  --rounds N        bare and API phases each (default 3)
  --table-flags     run bare python3 with the language table's flags (-S -B), as the sandbox
                    does, instead of plain python3 -c
)usage";

namespace {
namespace sb = codearena::sandbox;

struct Options {
  int64_t slots = ::sysconf(_SC_NPROCESSORS_ONLN);
  int64_t connections = 0;  // 0: twice the slots.
  int64_t seconds = 10;
  int64_t rounds = 3;
  bool table_flags = false;
};

Options parse_options(const std::vector<std::string>& raw) {
  Options options;
  ArgReader args(raw);
  while (!args.done()) {
    if (args.take_number("--slots", &options.slots) ||
        args.take_number("--connections", &options.connections) ||
        args.take_number("--seconds", &options.seconds) ||
        args.take_number("--rounds", &options.rounds) ||
        args.take_flag("--table-flags", &options.table_flags)) {
      continue;
    }
    args.reject();
  }
  if (options.connections == 0) options.connections = 2 * options.slots;
  return options;
}

std::vector<std::string> bare_python_argv(bool table_flags) {
  const std::string code = "print(\"hello\")";
  if (!table_flags) return {"/usr/bin/python3", "-c", code};
  const auto table = judge::LanguageTable::load(judge::default_language_table_path());
  return inline_code_argv(find_language(table, "python"), "-c", code);
}

// Sums the phases of every round into one.
LoadFigures total_of(const std::vector<LoadFigures>& phases) {
  LoadFigures total;
  for (const auto& phase : phases) {
    total.jobs += phase.jobs;
    total.seconds += phase.seconds;
    total.latencies_us.insert(total.latencies_us.end(), phase.latencies_us.begin(),
                              phase.latencies_us.end());
    total.client_cpu_us += phase.client_cpu_us;
    total.server_cpu_us += phase.server_cpu_us;
    total.machine_cpu_us += phase.machine_cpu_us;
    total.load_average = phase.load_average;
  }
  return total;
}

int run(const Options& options) {
  std::printf(
      "codearena-bench api-throughput: %lld slots, %lld connections, %lld rounds of %lld s "
      "per phase\nmachine: %s\n",
      static_cast<long long>(options.slots), static_cast<long long>(options.connections),
      static_cast<long long>(options.rounds), static_cast<long long>(options.seconds),
      machine_description().c_str());
  const TempDir home("codearena-bench-api");
  const auto argv = bare_python_argv(options.table_flags);
  const Command bare(argv, bare_environment(home.path()));
  std::string command_line;
  for (const auto& arg : argv) command_line += (command_line.empty() ? "" : " ") + arg;
  std::printf("bare: %s\n", command_line.c_str());
  std::fflush(stdout);

  const ServeProcess node(options.slots);
  std::printf("api: %s serve on 127.0.0.1:%u (pid %d), POST /api/execute?wait=true %s\n",
              node.binary().c_str(), node.port(), static_cast<int>(node.pid()), kHelloJob);
  // Warm-up: page caches, the node's first jobs, the bare interpreter.
  run_bare_loop(bare, options.slots, 1);
  run_api_closed_loop(node, options.connections, 1);

  std::printf(
      "\nCPU in cores (1.00: one core busy the whole phase); client: this process, node: "
      "the server's threads, machine: all cores\n");
  print_phase_heading();
  const auto seconds = static_cast<double>(options.seconds);
  std::vector<LoadFigures> bare_phases;
  std::vector<LoadFigures> api_phases;
  for (int64_t round = 0; round < options.rounds; ++round) {
    const auto run_bare = [&] {
      bare_phases.push_back(run_bare_loop(bare, options.slots, seconds));
      print_phase("bare", bare_phases.back());
    };
    const auto run_api = [&] {
      api_phases.push_back(run_api_closed_loop(node, options.connections, seconds));
      print_phase("api", api_phases.back());
    };
    if (round % 2 == 0) {
      run_bare();
      run_api();
    } else {
      run_api();
      run_bare();
    }
    std::printf("  round %lld: ratio %.3f\n", static_cast<long long>(round + 1),
                api_phases.back().jobs_per_s() / bare_phases.back().jobs_per_s());
  }
  const LoadFigures bare_total = total_of(bare_phases);
  const LoadFigures api_total = total_of(api_phases);
  std::printf("\n");
  print_phase("bare, all", bare_total);
  print_phase("api, all", api_total);
  std::printf("\napi-throughput bare_jobs_per_s=%.1f api_jobs_per_s=%.1f ratio=%.3f\n",
              bare_total.jobs_per_s(), api_total.jobs_per_s(),
              api_total.jobs_per_s() / bare_total.jobs_per_s());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int api_throughput_bench(const std::vector<std::string>& args) {
  return run_subcommand("api-throughput", kApiThroughputBenchUsage,
                        [&] { return run(parse_options(args)); });
}

}  // namespace codearena::bench
