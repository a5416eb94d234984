// `codearena-bench sandbox`: see sandbox_bench.h.
//
// Every mode is a function doing one checked run for worker t and returning its duration. The
// measurement loop runs blocks of --block runs of each mode in turn (the first mode of a round
// rotates), first from one thread, then from --threads threads at once; each thread has its own
// sandbox slot. A run whose program does not exit 0 with the expected output stops the bench.
#include "tools/bench/sandbox_bench.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <optional>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <thread>

#include "sandbox/fs_util.h"
#include "sandbox/sandbox.h"
#include "sandbox/slots.h"
#include "tools/bench/args.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/measure.h"
#include "tools/bench/process.h"

namespace codearena::bench {

const char kSandboxBenchUsage[] = R"(usage: codearena-bench sandbox [options]   (needs root)

Times runs of a trivial static program: bare (posix_spawn+wait from a small helper process,
codearena-bench-spawner) against the sandbox running it from a read-only bind of its directory
(as the judge runs cached compiled programs) and copied into /box as an input file,
sequentially and from several threads at once, on one slot per thread. With hyperfine
installed, its median for the same program is measured too, to check the bare figure. The last
line (the read-only bind against bare) is
  sandbox overhead_us=<median sandboxed - median bare> ratio=<median sandboxed / median bare>

Options:
  --runs N            measured runs of each mode, per thread (default 500)
  --warmup N          unmeasured runs of each mode first, per thread (default 20)
  --block N           runs of one mode before switching to the next (default 10)
  --pause-us N        idle time after every run, not measured: sparse rather than
                      back-to-back runs (default 0)
  --threads N         threads (and slots) of the parallel part; 1 skips it (default 2)
  --program PATH      the program to run (default: codearena-bench-hello beside this binary;
                      codearena-bench-syscalls there makes 2,000,000 system calls, which
                      shows what the seccomp filter costs per call)
  --with-bwrap        also time bubblewrap (bwrap --unshare-all) running the program
  --cgroup-parent P   cgroup path to create the sandbox slots under (default: engine's)
)";

namespace {

using sandbox::RunRequest;
using sandbox::RunResult;
using sandbox::Sandbox;
using sandbox::SlotPool;

constexpr const char* kBwrap = "/usr/bin/bwrap";
constexpr const char* kHyperfine = "/usr/bin/hyperfine";

struct Options {
  int64_t runs = 500;
  int64_t warmup = 20;
  int64_t block = 10;
  int64_t threads = 2;
  int64_t pause_us = 0;
  std::string program;
  bool with_bwrap = false;
  std::string cgroup_parent;
};

// One way of running the program: run_once(t) does one checked run for worker t, returns µs.
struct Mode {
  std::string name;
  std::function<double(int)> run_once;
};

// The samples of one mode and the wall time its blocks took in all.
struct Series {
  std::vector<double> samples_us;
  double busy_us = 0;

  double runs_per_second() const { return busy_us > 0 ? samples_us.size() * 1e6 / busy_us : 0; }
};

Options parse_options(const std::vector<std::string>& raw) {
  Options options;
  ArgReader args(raw);
  while (!args.done()) {
    if (args.take_number("--runs", &options.runs) ||
        args.take_number("--warmup", &options.warmup, 0) ||
        args.take_number("--block", &options.block) ||
        args.take_number("--threads", &options.threads) ||
        args.take_number("--pause-us", &options.pause_us, 0) ||
        args.take_text("--program", &options.program) ||
        args.take_flag("--with-bwrap", &options.with_bwrap) ||
        args.take_text("--cgroup-parent", &options.cgroup_parent)) {
      continue;
    }
    args.reject();
  }
  return options;
}

// The program as an absolute path: --program, else the hello program.
std::string resolve_program(const std::string& requested) {
  const std::string path = requested.empty()
                               ? bench_program("codearena-bench-hello", CODEARENA_BENCH_HELLO_PATH)
                               : requested;
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr || ::access(resolved, X_OK) != 0) {
    throw UsageError("program '" + path + "' is not an executable file");
  }
  return resolved;
}

// bubblewrap with every namespace new and the usual read-only system directories, as one
// would sandbox a compiled solution with it; the program is bound at /box/hello.
std::vector<std::string> bwrap_argv(const std::string& program) {
  // clang-format off
  return {kBwrap, "--unshare-all", "--die-with-parent",
          "--ro-bind", "/usr", "/usr",
          "--symlink", "usr/bin", "/bin",
          "--symlink", "usr/lib", "/lib",
          "--symlink", "usr/lib64", "/lib64",
          "--proc", "/proc",
          "--dev", "/dev",
          "--tmpfs", "/tmp",
          "--ro-bind", program, "/box/hello",
          "--chdir", "/box",
          "/box/hello"};
  // clang-format on
}

// hyperfine's median for `program` (hyperfine -N: no shell), or nothing without hyperfine.
std::optional<double> hyperfine_median_us(const std::string& program, int64_t runs) {
  if (::access(kHyperfine, X_OK) != 0) return std::nullopt;
  const TempDir scratch("codearena-bench-hyperfine");
  const std::string report = scratch.path() + "/report.json";
  const Command hyperfine({kHyperfine, "-N", "--style", "none", "--warmup", "20", "--runs",
                           std::to_string(runs), "--export-json", report, program},
                          kCommandEnvironment);
  const ProcessOutcome outcome = hyperfine.run();
  if (!outcome.exited_ok()) throw std::runtime_error("hyperfine failed: " + quoted(outcome.err));
  const auto json = nlohmann::json::parse(sandbox::read_text_file(report));
  return json.at("results").at(0).at("median").get<double>() * 1e6;
}

double timed_sandboxed_run(sandbox::Slot& slot, const RunRequest& request,
                           const std::string& expected) {
  const int64_t start = monotonic_ns();
  const RunResult result = slot.run(request);
  const double us = elapsed_us(start);
  if (result.status != sandbox::RunStatus::kOk || result.stdout_data != expected) {
    throw std::runtime_error(std::string("sandboxed run failed: ") +
                             sandbox::status_name(result.status) + " " + result.message +
                             ", stdout " + quoted(result.stdout_data) + ", stderr " +
                             quoted(result.stderr_data));
  }
  return us;
}

// Runs `count` runs of `mode` on each of `threads` threads at once (inline for one thread),
// idling `pause_us` after each run.
void run_block(const Mode& mode, int threads, int64_t count, int64_t pause_us, Series* series) {
  std::vector<std::vector<double>> samples(static_cast<size_t>(threads));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  const auto work = [&](int t) {
    try {
      for (int64_t i = 0; i < count; ++i) {
        samples[t].push_back(mode.run_once(t));
        if (pause_us > 0) ::usleep(static_cast<useconds_t>(pause_us));
      }
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  const int64_t start = monotonic_ns();
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) workers.emplace_back(work, t);
    for (auto& worker : workers) worker.join();
  }
  // Pauses run concurrently on every thread; runs/s counts the time spent running only.
  series->busy_us += elapsed_us(start) - static_cast<double>(count * pause_us);
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  for (const auto& part : samples) {
    series->samples_us.insert(series->samples_us.end(), part.begin(), part.end());
  }
}

// Alternates blocks of every mode until each has `runs` runs per thread.
std::vector<Series> measure(const std::vector<Mode>& modes, int threads, const Options& options) {
  std::vector<Series> series(modes.size());
  size_t round = 0;
  for (int64_t done = 0; done < options.runs; done += options.block, ++round) {
    const int64_t count = std::min(options.block, options.runs - done);
    for (size_t k = 0; k < modes.size(); ++k) {
      const size_t m = (k + round) % modes.size();
      run_block(modes[m], threads, count, options.pause_us, &series[m]);
    }
  }
  return series;
}

void warm_up(const std::vector<Mode>& modes, int threads, int64_t runs) {
  for (const auto& mode : modes) {
    for (int t = 0; t < threads; ++t) {
      for (int64_t i = 0; i < runs; ++i) mode.run_once(t);
    }
  }
}

std::string kernel_release() {
  utsname name;
  return ::uname(&name) == 0 ? name.release : "unknown";
}

// The 1-minute load average: other work on the machine shows up in every figure.
std::string load_average() {
  double load[1] = {0};
  return ::getloadavg(load, 1) == 1 ? std::to_string(load[0]).substr(0, 4) : "unknown";
}

void print_table(const char* title, const std::vector<Mode>& modes,
                 const std::vector<Series>& series) {
  std::printf("\n%s\n", title);
  std::printf("  %-24s %9s %9s %9s %9s %9s %8s\n", "mode", "median_us", "p90_us", "p99_us",
              "mean_us", "runs/s", "x bare");
  const double bare_median = summarize(series[0].samples_us).median_us;
  for (size_t m = 0; m < modes.size(); ++m) {
    const Summary s = summarize(series[m].samples_us);
    std::printf("  %-24s %9.1f %9.1f %9.1f %9.1f %9.0f %8.2f\n", modes[m].name.c_str(), s.median_us,
                s.p90_us, s.p99_us, s.mean_us, series[m].runs_per_second(),
                s.median_us / bare_median);
  }
}

// Bare is series[0], the sandbox series[1].
void print_overhead(const std::vector<Series>& series, bool parallel) {
  const double bare = summarize(series[0].samples_us).median_us;
  const double boxed = summarize(series[1].samples_us).median_us;
  std::printf("  sandbox overhead: %.0f us per run (median), ratio %.2f", boxed - bare,
              boxed / bare);
  if (parallel) {
    std::printf(", throughput sandboxed/bare %.2f",
                series[1].runs_per_second() / series[0].runs_per_second());
  }
  std::printf("\n");
}

// Everything one bench invocation sets up: the commands, the request and the sandbox slots.
class SandboxBench {
 public:
  explicit SandboxBench(Options options) : options_(std::move(options)) {
    program_ = resolve_program(options_.program);
    if (options_.with_bwrap && ::access(kBwrap, X_OK) != 0) {
      throw UsageError(std::string("--with-bwrap: no ") + kBwrap + " (apt-get install bubblewrap)");
    }
    const auto spawner = bench_program("codearena-bench-spawner", CODEARENA_BENCH_SPAWNER_PATH);
    for (int t = 0; t < options_.threads; ++t) {
      bare_.push_back(std::make_unique<Spawner>(spawner, std::vector<std::string>{program_},
                                                kCommandEnvironment));
      if (options_.with_bwrap)
        bwrap_.push_back(
            std::make_unique<Spawner>(spawner, bwrap_argv(program_), kCommandEnvironment));
    }
    // As the judge runs a cached compiled program: from a read-only directory shown in the box.
    bound_request_.argv = {program_};
    copied_request_.argv = {"./hello"};
    copied_request_.files.push_back(sandbox::InputFile{"hello", "", program_, true});
    sandbox::SandboxConfig config;
    config.binds = sandbox::default_read_only_binds();
    config.binds.push_back({program_.substr(0, program_.rfind('/')), false});
    config.slots = static_cast<int>(options_.threads);
    config.cgroup_parent = options_.cgroup_parent;
    engine_ = std::make_unique<Sandbox>(config);
    for (int t = 0; t < options_.threads; ++t) leases_.push_back(engine_->slots().acquire());
  }

  int run() {
    const ProcessOutcome reference = bare_.front()->run().outcome;
    if (!reference.exited_ok()) throw std::runtime_error(program_ + " does not exit with 0");
    expected_ = reference.out;
    const auto modes = make_modes();
    print_setup();
    warm_up(modes, static_cast<int>(options_.threads), options_.warmup);
    const auto sequential = measure(modes, 1, options_);
    print_table("sequential: 1 thread, 1 slot", modes, sequential);
    print_overhead(sequential, false);
    print_hyperfine_check(sequential);
    if (options_.threads > 1) {
      const auto parallel = measure(modes, static_cast<int>(options_.threads), options_);
      const auto title = "parallel: " + std::to_string(options_.threads) + " threads, " +
                         std::to_string(options_.threads) + " slots (per-run times)";
      print_table(title.c_str(), modes, parallel);
      print_overhead(parallel, true);
    }
    print_result_line(sequential);
    return 0;
  }

 private:
  std::vector<Mode> make_modes() {
    std::vector<Mode> modes;
    modes.push_back({"bare posix_spawn+wait",
                     [this](int t) { return timed_spawned_run(*bare_[t], program_, expected_); }});
    modes.push_back({"sandbox, read-only bind", [this](int t) {
                       return timed_sandboxed_run(*leases_[t], bound_request_, expected_);
                     }});
    modes.push_back({"sandbox, copied to /box", [this](int t) {
                       return timed_sandboxed_run(*leases_[t], copied_request_, expected_);
                     }});
    if (!bwrap_.empty()) {
      modes.push_back({"bwrap --unshare-all",
                       [this](int t) { return timed_spawned_run(*bwrap_[t], kBwrap, expected_); }});
    }
    return modes;
  }

  void print_setup() const {
    std::printf(
        "codearena-bench sandbox: %lld runs per mode and thread after %lld warm-up runs, "
        "blocks of %lld\n",
        static_cast<long long>(options_.runs), static_cast<long long>(options_.warmup),
        static_cast<long long>(options_.block));
    std::printf("program: %s\n", program_.c_str());
    if (options_.pause_us > 0) {
      std::printf("pause after every run: %lld us\n", static_cast<long long>(options_.pause_us));
    }
    std::printf("machine: %ld cores, kernel %s, cgroup %s, load average %s\n",
                ::sysconf(_SC_NPROCESSORS_ONLN), kernel_release().c_str(),
                engine_->cgroup_version(), load_average().c_str());
  }

  // The bare mode should cost what hyperfine measures for the same program now; a large gap
  // means the baseline is off (the machine's load changed, or the bare mode pays for something
  // a small caller does not).
  void print_hyperfine_check(const std::vector<Series>& sequential) const {
    const auto hyperfine = hyperfine_median_us(program_, options_.runs);
    if (!hyperfine) {
      std::printf("  (no %s: the bare figure is not checked against hyperfine)\n", kHyperfine);
      return;
    }
    const double bare = summarize(sequential[0].samples_us).median_us;
    std::printf(
        "  bare check: hyperfine -N median %.1f us, bare median %.1f us (bare/hyperfine %.2f)\n",
        *hyperfine, bare, bare / *hyperfine);
  }

  static void print_result_line(const std::vector<Series>& sequential) {
    const double bare = summarize(sequential[0].samples_us).median_us;
    const double boxed = summarize(sequential[1].samples_us).median_us;
    std::printf("\nsandbox overhead_us=%lld ratio=%.2f\n",
                static_cast<long long>(std::llround(boxed - bare)), boxed / bare);
    std::fflush(stdout);
  }

  Options options_;
  std::string program_;
  std::string expected_;
  std::vector<std::unique_ptr<Spawner>> bare_;  // One per thread, as the slots.
  std::vector<std::unique_ptr<Spawner>> bwrap_;
  RunRequest bound_request_;
  RunRequest copied_request_;
  std::unique_ptr<Sandbox> engine_;
  std::vector<SlotPool::Lease> leases_;  // Declared after engine_: released before it dies.
};

}  // namespace

int sandbox_bench(const std::vector<std::string>& args) {
  return run_subcommand("sandbox", kSandboxBenchUsage,
                        [&] { return SandboxBench(parse_options(args)).run(); });
}

}  // namespace codearena::bench
