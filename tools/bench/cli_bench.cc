// `codearena-bench cli`: see cli_bench.h.
#include "tools/bench/cli_bench.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "sandbox/sandbox.h"  // executable_dir
#include "tools/bench/args.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/measure.h"
#include "tools/bench/process.h"

namespace codearena::bench {

const char kCliBenchUsage[] = R"(usage: codearena-bench cli [options]   (needs root)

Times whole `codearena run --read-only DIR -- DIR/hello` calls (DIR: a new directory under
/var/tmp holding the static hello program) against the bare hello and any other command given
with --against, each call started by a small helper process (posix_spawn+wait), in alternating
blocks so that machine noise lands on every command alike.

Options:
  --runs N          measured calls of each command (default 300)
  --warmup N        unmeasured calls of each command first (default 20)
  --block N         calls of one command before the next takes its turn (default 10)
  --apart-ms MS     a pause before every call, for callers that call now and then (default 0:
                    back to back); the pause is not timed
  --codearena PATH  a codearena binary to time; repeatable, to compare builds (default: the
                    one beside this binary)
  --against CMD     another command to time, split at spaces, its first word a path; it must
                    exit 0. Repeatable. isolate, with the hello copied into box 7:
                    --against "/usr/local/bin/isolate --cg --box-id=7 --run -- /box/hello"

Prints a table of the calls' wall times (median, min, p90, mean; µs), then for every codearena
binary the line `cli <path> median_us=<m> x_bare=<r> x_<n>=<r>...`: its median over the bare
hello's, and over that of every other command (line n of the table, counting from 0).
)";

namespace {

struct Options {
  int64_t runs = 300;
  int64_t warmup = 20;
  int64_t block = 10;
  int64_t apart_ms = 0;
  std::vector<std::string> codearena;
  std::vector<std::string> against;
};

Options parse_options(const std::vector<std::string>& raw) {
  Options options;
  ArgReader args(raw);
  std::string text;
  while (!args.done()) {
    if (args.take_number("--runs", &options.runs) ||
        args.take_number("--warmup", &options.warmup, 0) ||
        args.take_number("--block", &options.block) ||
        args.take_number("--apart-ms", &options.apart_ms, 0)) {
      continue;
    }
    if (args.take_text("--codearena", &text)) {
      options.codearena.push_back(text);
    } else if (args.take_text("--against", &text)) {
      options.against.push_back(text);
    } else {
      args.reject();
    }
  }
  if (options.codearena.empty()) {
    const std::string beside = sandbox::executable_dir() + "/codearena";
    if (::access(beside.c_str(), X_OK) != 0)
      throw UsageError("no codearena beside this binary: name one with --codearena PATH");
    options.codearena.push_back(beside);
  }
  return options;
}

std::vector<std::string> split_at_spaces(const std::string& command) {
  std::istringstream words(command);
  std::vector<std::string> argv;
  for (std::string word; words >> word;) argv.push_back(word);
  if (argv.empty() || argv[0].front() != '/' || ::access(argv[0].c_str(), X_OK) != 0)
    throw UsageError("--against '" + command + "': its first word must be an executable's path");
  return argv;
}

std::string executable(const std::string& path, const char* flag) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr || ::access(resolved, X_OK) != 0)
    throw UsageError(std::string(flag) + " '" + path + "' is not an executable file");
  return resolved;
}

// A new directory under /var/tmp (codearena run shows no directory under /tmp) holding a copy
// of the hello program; removed with it.
class HelloDir {
 public:
  HelloDir() {
    std::string pattern = "/var/tmp/codearena-bench-cli-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    path_ = pattern;
    ::chmod(path_.c_str(), 0755);
    std::ifstream source(bench_program("codearena-bench-hello", CODEARENA_BENCH_HELLO_PATH),
                         std::ios::binary);
    std::ofstream copy(program(), std::ios::binary);
    copy << source.rdbuf();
    if (!source || !copy) throw std::runtime_error("cannot copy the hello program to " + path_);
    copy.close();
    ::chmod(program().c_str(), 0755);
  }
  HelloDir(const HelloDir&) = delete;
  HelloDir& operator=(const HelloDir&) = delete;
  ~HelloDir() {
    ::unlink(program().c_str());
    ::rmdir(path_.c_str());
  }

  const std::string& path() const { return path_; }
  std::string program() const { return path_ + "/hello"; }

 private:
  std::string path_;
};

bool codearena_said_hello(const std::string& out) {
  return out.find("\"status\":\"ok\"") != std::string::npos &&
         out.find("\"stdout\":\"hello\\n\"") != std::string::npos;
}

class CliBench {
 public:
  explicit CliBench(Options options) : options_(std::move(options)) {
    const auto spawner = bench_program("codearena-bench-spawner", CODEARENA_BENCH_SPAWNER_PATH);
    add(spawner, "bare hello", {hello_.program()},
        [](const std::string& out) { return out == "hello\n"; });
    for (const auto& path : options_.codearena) {
      const auto binary = executable(path, "--codearena");
      add(spawner, binary, {binary, "run", "--read-only", hello_.path(), "--", hello_.program()},
          codearena_said_hello);
    }
    for (const auto& command : options_.against) {
      add(spawner, command, split_at_spaces(command), [](const std::string&) { return true; });
    }
  }

  int run() {
    std::printf("codearena-bench cli: %lld calls of each command in blocks of %lld, %s\n",
                static_cast<long long>(options_.runs), static_cast<long long>(options_.block),
                options_.apart_ms > 0
                    ? ("apart (" + std::to_string(options_.apart_ms) + " ms before each)").c_str()
                    : "back to back");
    std::printf("machine: %s\n", machine_description().c_str());
    const auto samples = alternate(trials_, options_.runs, options_.block, options_.warmup);
    std::vector<Summary> summaries;
    for (const auto& series : samples) summaries.push_back(summarize(series));
    print_table(summaries);
    print_ratios(summaries);
    return 0;
  }

 private:
  void add(const std::string& spawner, const std::string& name, std::vector<std::string> argv,
           std::function<bool(const std::string&)> accepts) {
    spawners_.push_back(std::make_unique<Spawner>(spawner, argv, kCommandEnvironment));
    Spawner* started = spawners_.back().get();
    const int64_t apart_us = options_.apart_ms * 1000;
    trials_.push_back({name, [started, name, accepts, apart_us] {
                         if (apart_us > 0) ::usleep(static_cast<useconds_t>(apart_us));
                         return timed_spawned_run(*started, name, accepts);
                       }});
  }

  void print_table(const std::vector<Summary>& summaries) const {
    std::printf("\n  %10s %10s %10s %10s  %s\n", "median_us", "min_us", "p90_us", "mean_us",
                "command");
    for (size_t i = 0; i < trials_.size(); ++i) {
      const Summary& s = summaries[i];
      std::printf("  %10.1f %10.1f %10.1f %10.1f  %s\n", s.median_us, s.min_us, s.p90_us, s.mean_us,
                  trials_[i].name.c_str());
    }
  }

  // Trial 0 is the bare hello, then the codearena binaries, then the --against commands.
  void print_ratios(const std::vector<Summary>& summaries) const {
    std::printf("\n");
    const size_t first_against = 1 + options_.codearena.size();
    for (size_t i = 1; i < first_against; ++i) {
      std::printf("cli %s median_us=%.1f x_bare=%.2f", trials_[i].name.c_str(),
                  summaries[i].median_us, summaries[i].median_us / summaries[0].median_us);
      for (size_t j = 1; j < trials_.size(); ++j) {
        if (j == i) continue;
        std::printf(" x_%zu=%.2f", j, summaries[i].median_us / summaries[j].median_us);
      }
      std::printf("\n");
    }
    std::printf("(x_<n>: against the command on line n of the table, counting from 0)\n");
  }

  Options options_;
  HelloDir hello_;
  std::vector<std::unique_ptr<Spawner>> spawners_;
  std::vector<Trial> trials_;
};

}  // namespace

int cli_bench(const std::vector<std::string>& args) {
  return run_subcommand("cli", kCliBenchUsage, [&] { return CliBench(parse_options(args)).run(); });
}

}  // namespace codearena::bench
