// codearena-bench: the project's performance measurements, one subcommand per benchmark.
#include <cstring>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "tools/bench/api_latency_bench.h"
#include "tools/bench/api_throughput_bench.h"
#include "tools/bench/cli_bench.h"
#include "tools/bench/compile_bench.h"
#include "tools/bench/interpreters_bench.h"
#include "tools/bench/languages_bench.h"
#include "tools/bench/leader_bench.h"
#include "tools/bench/sandbox_bench.h"
#include "tools/bench/scale_out_bench.h"
#include "tools/bench/soak_bench.h"

namespace {

struct Subcommand {
  const char* name;
  const char* summary;
  const char* usage;
  int (*main)(const std::vector<std::string>& args);
};

const Subcommand kSubcommands[] = {
    {"sandbox", "per-run overhead of the sandbox against a bare fork+exec+wait",
     codearena::bench::kSandboxBenchUsage, codearena::bench::sandbox_bench},
    {"cli", "whole `codearena run` calls against the bare program and other sandboxes",
     codearena::bench::kCliBenchUsage, codearena::bench::cli_bench},
    {"compile", "C++ compile time through the sandbox with and without the precompiled header",
     codearena::bench::kCompileBenchUsage, codearena::bench::compile_bench},
    {"interpreters", "per-run overhead of the sandbox over bare python3, node and java",
     codearena::bench::kInterpretersBenchUsage, codearena::bench::interpreters_bench},
    {"languages", "hello world compiled and run, bare against judged, in every language",
     codearena::bench::kLanguagesBenchUsage, codearena::bench::languages_bench},
    {"api-throughput", "Python jobs/s through the REST API against the bare interpreter",
     codearena::bench::kApiThroughputBenchUsage, codearena::bench::api_throughput_bench},
    {"api-latency", "submit-to-completed latency of jobs sent at a fixed rate (open loop)",
     codearena::bench::kApiLatencyBenchUsage, codearena::bench::api_latency_bench},
    {"leader", "jobs/s one cluster leader takes, memory store against Redis",
     codearena::bench::kLeaderBenchUsage, codearena::bench::leader_bench},
    {"soak", "a node's peak memory while jobs with large outputs pass through it",
     codearena::bench::kSoakBenchUsage, codearena::bench::soak_bench},
    {"scale-out", "jobs/s of a loopback cluster with 1, 2 and 4 worker nodes (sleeping jobs)",
     codearena::bench::kScaleOutBenchUsage, codearena::bench::scale_out_bench},
};

void print_usage(std::ostream& out) {
  out << "usage: codearena-bench COMMAND [options]\n\nCommands:\n";
  for (const auto& command : kSubcommands)
    out << "  " << std::left << std::setw(16) << command.name << command.summary << "\n";
  out << "\ncodearena-bench COMMAND --help shows the options of one command.\n";
}

bool is_help(const std::string& arg) {
  return arg == "--help" || arg == "-h" || arg == "help";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || is_help(args[0])) {
    print_usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const auto& command : kSubcommands) {
    if (args[0] != command.name) continue;
    if (!rest.empty() && is_help(rest[0])) {
      std::cout << command.usage;
      return 0;
    }
    return command.main(rest);
  }
  std::cerr << "codearena-bench: unknown command '" << args[0] << "'\n\n";
  print_usage(std::cerr);
  return 2;
}
