// `codearena-bench interpreters`: see interpreters_bench.h.
//
// The commands come from the language table: its run command with the source file replaced by
// inline code (`-c` for Python, `-e` for Node.js), and for Java the run command as it is, for a
// Hello.class compiled once on the host with the table's javac command. The sandboxed runs use
// the language's default limits (the judge's), so the CPU quota and memory limit are part of
// what is measured; --cpus changes the quota to tell the two apart. Each language is measured
// on its own, bare and sandboxed runs alternating in blocks.
#include "tools/bench/interpreters_bench.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <utility>

#include "judge/languages.h"
#include "sandbox/cgroup.h"
#include "sandbox/fs_util.h"
#include "sandbox/sandbox.h"
#include "sandbox/slots.h"
#include "tools/bench/args.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/measure.h"
#include "tools/bench/process.h"

namespace codearena::bench {

const char kInterpretersBenchUsage[] =
    R"(usage: codearena-bench interpreters [options]   (needs root)

Times a hello world run by an interpreter, bare (fork+exec+wait) against through one sandbox
slot, for python3 -c 'print("hello")', node -e 'console.log("hello")' and java Hello (a class
compiled once; run bare from a scratch directory, sandboxed as an input file). Flags, heap sizes
and the sandbox's limits are the language table's. The last line is
  interpreters python_overhead_us=<n> node_overhead_us=<n> java_overhead_us=<n>
each the median sandboxed run minus the median bare run.

Options:
  --runs N          measured runs of each mode, per language (default 100)
  --warmup N        unmeasured runs of each mode first, per language (default 5)
  --block N         runs of one mode before switching to the other (default 10)
  --only LIST       measure only these of python,node,java (comma-separated; default all)
  --cpus X          CPU quota of the sandboxed runs in cores (default: the language's limit)
  --cfs-burst-us N  experiment: let the slot's cgroup burst N us of CPU time above its quota
                    (cpu.cfs_burst_us / cpu.max.burst, at most the quota; the engine sets none)
  --languages FILE  language table (default: as `codearena judge`)
)";

namespace {

namespace sb = codearena::sandbox;

constexpr double kTargetOverheadUs = 1000;  // Python and Node.js.
const std::string kExpected = "hello\n";

struct Options {
  int64_t runs = 100;
  int64_t warmup = 5;
  int64_t block = 10;
  std::string only = "python,node,java";
  std::string cpus;
  int64_t cfs_burst_us = 0;
  std::string languages;
};

// "a,b" -> {"a", "b"}.
std::vector<std::string> keys_of(const std::string& list) {
  std::vector<std::string> keys;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    if (comma > start) keys.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return keys;
}

Options parse_options(const std::vector<std::string>& raw) {
  Options options;
  ArgReader args(raw);
  while (!args.done()) {
    if (args.take_number("--runs", &options.runs) ||
        args.take_number("--warmup", &options.warmup, 0) ||
        args.take_number("--block", &options.block) || args.take_text("--cpus", &options.cpus) ||
        args.take_number("--cfs-burst-us", &options.cfs_burst_us, 0) ||
        args.take_text("--only", &options.only) ||
        args.take_text("--languages", &options.languages)) {
      continue;
    }
    args.reject();
  }
  for (const auto& key : keys_of(options.only)) {
    if (key != "python" && key != "node" && key != "java") {
      throw UsageError("--only: unknown interpreter '" + key + "' (python, node, java)");
    }
  }
  if (!options.cpus.empty()) positive_number("--cpus", options.cpus);
  return options;
}

std::string joined(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& arg : argv) text += (text.empty() ? "" : " ") + arg;
  return text;
}

// The CPU controller of one slot of this process's sandbox, found as the engine names it
// ("<cgroup parent>/<pid>-<slot>"): how often and how long its quota held runs back. Where it
// cannot be found (a cgroup v2 engine has moved this process into a leaf cgroup, say),
// available() is false and the bench goes on without the throttling figures.
class SlotCpuController {
 public:
  explicit SlotCpuController(int slot) {
    const auto location = sb::detect_cgroups("codearena", "");
    v2_ = !location.v2_parent.empty();
    const auto cpu = location.v1_parents.find("cpu");
    const std::string parent = v2_                                ? location.v2_parent
                               : cpu != location.v1_parents.end() ? cpu->second
                                                                  : "";
    if (!parent.empty())
      dir_ = parent + "/" + std::to_string(::getpid()) + "-" + std::to_string(slot);
  }

  bool available() const { return !dir_.empty() && sb::path_exists(dir_ + "/cpu.stat"); }

  // Times the quota throttled the cgroup, and for how long in µs, since it was made.
  std::pair<int64_t, double> throttling() const {
    if (!available()) return {0, 0};
    const std::string stat = sb::read_text_file(dir_ + "/cpu.stat");
    const double us = v2_ ? static_cast<double>(sb::keyed_value(stat, "throttled_usec"))
                          : static_cast<double>(sb::keyed_value(stat, "throttled_time")) / 1000;
    return {sb::keyed_value(stat, "nr_throttled"), us};
  }

  // Lets the cgroup run `us` µs above its quota after idle periods. The kernel wants it no
  // larger than the quota in force, so call after a run has set the quota.
  void set_burst_us(int64_t us) const {
    if (!available()) throw std::runtime_error("--cfs-burst-us: the slot's CPU cgroup not found");
    sb::write_text_file(dir_ + (v2_ ? "/cpu.max.burst" : "/cpu.cfs_burst_us"), std::to_string(us));
  }

 private:
  std::string dir_;
  bool v2_ = false;
};

// One interpreter: how to run the hello world bare and in the sandbox.
struct Subject {
  std::string key;  // For the last line: python, node, java.
  const judge::Language* language = nullptr;
  std::unique_ptr<Command> bare;
  std::string bare_dir;  // Working directory of bare runs; empty: wherever the bench is.
  sb::RunRequest request;
};

struct Measured {
  Summary bare;
  Summary boxed;
  Summary bare_cpu;   // CPU time of the bare runs (getrusage of the waited-for child).
  Summary boxed_cpu;  // CPU time of the sandboxed runs (the slot cgroup's, in whole ms).
  Summary throttled;  // µs the CPU quota held a sandboxed run back.
  int64_t throttled_runs = 0;
  double overhead_us() const { return boxed.median_us - bare.median_us; }
};

class InterpretersBench {
 public:
  explicit InterpretersBench(Options options)
      : options_(std::move(options)),
        table_(judge::LanguageTable::load(options_.languages.empty()
                                              ? judge::default_language_table_path()
                                              : options_.languages)),
        scratch_("codearena-bench-interpreters") {
    sb::SandboxConfig config;
    config.binds = sb::default_read_only_binds();
    sandbox_ = std::make_unique<sb::Sandbox>(config);
    lease_ = std::make_unique<sb::SlotPool::Lease>(sandbox_->slots().acquire());
    cpu_controller_ = std::make_unique<SlotCpuController>((*lease_)->index());
    for (const auto& key : keys_of(options_.only)) {
      if (key == "python") add_inline("python", "python", "-c", "print(\"hello\")");
      if (key == "node") add_inline("node", "javascript", "-e", "console.log(\"hello\")");
      if (key == "java") add_java();
    }
  }

  int run() {
    print_setup();
    std::vector<Measured> results;
    for (const auto& subject : subjects_) {
      std::vector<double> bare_cpu_us;
      std::vector<double> boxed_cpu_us;
      std::vector<double> throttled_us;
      const std::vector<Trial> trials = {
          {"bare",
           [&] {
             const double cpu_before = children_cpu_us();
             const double us = bare_run(subject);
             bare_cpu_us.push_back(children_cpu_us() - cpu_before);
             return us;
           }},
          {"sandbox",
           [&] {
             sb::RunResult result;
             const auto before = cpu_controller_->throttling();
             const double us = timed_slot_run(**lease_, subject.request, kExpected, &result);
             const auto after = cpu_controller_->throttling();
             boxed_cpu_us.push_back(static_cast<double>(result.cpu_ms) * 1000);
             throttled_us.push_back(after.first > before.first ? after.second - before.second : -1);
             return us;
           }},
      };
      if (options_.cfs_burst_us > 0) {
        timed_slot_run(**lease_, subject.request, kExpected);  // Sets the quota.
        cpu_controller_->set_burst_us(options_.cfs_burst_us);
      }
      const auto samples = alternate(trials, options_.runs, options_.block, options_.warmup);
      Measured measured;
      measured.bare = summarize(samples[0]);
      measured.boxed = summarize(samples[1]);
      measured.bare_cpu = summarize(last_runs(bare_cpu_us));
      measured.boxed_cpu = summarize(last_runs(boxed_cpu_us));
      // Throttled runs only: -1 marks a run the quota did not hold back.
      std::vector<double> held_back;
      for (const double us : last_runs(throttled_us)) {
        if (us >= 0) held_back.push_back(us);
      }
      measured.throttled = summarize(held_back);
      measured.throttled_runs = static_cast<int64_t>(held_back.size());
      results.push_back(measured);
      print_row(subject, results.back());
    }
    print_verdicts(results);
    print_throttling(results);
    std::printf("\ninterpreters");
    for (size_t i = 0; i < subjects_.size(); ++i) {
      std::printf(" %s_overhead_us=%lld", subjects_[i].key.c_str(),
                  static_cast<long long>(std::llround(results[i].overhead_us())));
    }
    std::printf("\n");
    std::fflush(stdout);
    return 0;
  }

 private:
  sb::RunRequest base_request(const judge::Language& language,
                              std::vector<std::string> argv) const {
    sb::RunRequest request;
    request.argv = std::move(argv);
    request.limits = language.default_limits;
    if (!options_.cpus.empty()) request.limits.cpu_cores = positive_number("--cpus", options_.cpus);
    request.network_calls = language.network_calls;
    return request;
  }

  void add_inline(const std::string& key, const std::string& id, const char* flag,
                  const std::string& code) {
    Subject subject;
    subject.key = key;
    subject.language = &find_language(table_, id);
    const auto argv = inline_code_argv(*subject.language, flag, code);
    subject.bare = std::make_unique<Command>(argv, bare_environment(scratch_.path()));
    subject.request = base_request(*subject.language, argv);
    subjects_.push_back(std::move(subject));
  }

  // Compiles Hello.java once on the host with the table's javac command.
  void add_java() {
    Subject subject;
    subject.key = "java";
    subject.language = &find_language(table_, "java");
    const auto values = run_values(*subject.language, "Hello");
    scratch_.write(values.source,
                   "public class Hello {\n  public static void main(String[] args) {\n"
                   "    System.out.println(\"hello\");\n  }\n}\n");
    {
      const ScopedChdir in_scratch(scratch_.path());
      const Command javac(judge::expand_command(subject.language->compile, values),
                          bare_environment(scratch_.path()));
      timed_bare_run(javac, nullptr);
    }
    const auto argv = judge::expand_command(subject.language->run, values);
    subject.bare = std::make_unique<Command>(argv, bare_environment(scratch_.path()));
    subject.bare_dir = scratch_.path();
    subject.request = base_request(*subject.language, argv);
    subject.request.files.push_back({"Hello.class", "", scratch_.path() + "/Hello.class", false});
    subjects_.push_back(std::move(subject));
  }

  // The samples of the measured runs: the warm-up runs come first.
  std::vector<double> last_runs(std::vector<double> all) const {
    all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(options_.runs));
    return all;
  }

  static double bare_run(const Subject& subject) {
    if (subject.bare_dir.empty()) return timed_bare_run(*subject.bare, &kExpected);
    const ScopedChdir in_dir(subject.bare_dir);
    return timed_bare_run(*subject.bare, &kExpected);
  }

  void print_setup() const {
    std::printf(
        "codearena-bench interpreters: %lld runs per mode and language after %lld warm-up runs, "
        "blocks of %lld\n",
        static_cast<long long>(options_.runs), static_cast<long long>(options_.warmup),
        static_cast<long long>(options_.block));
    std::printf("machine: %s\n", machine_description(*sandbox_).c_str());
    if (options_.cfs_burst_us > 0) {
      std::printf("experiment: the slot's cgroup may burst %lld us above its CPU quota\n",
                  static_cast<long long>(options_.cfs_burst_us));
    }
    for (const auto& subject : subjects_) {
      std::printf("%s (%s): %s\n  sandbox limits: %.2f cores, %lld MiB\n", subject.key.c_str(),
                  subject.language->version.c_str(), joined(subject.request.argv).c_str(),
                  subject.request.limits.cpu_cores,
                  static_cast<long long>(subject.request.limits.memory_bytes >> 20));
    }
    std::printf("\nmedians and p90 in us; cpu_ms: median CPU time of one run\n");
    std::printf("  %-8s %9s %9s %7s   %10s %9s %7s   %11s %6s\n", "language", "bare_us", "p90",
                "cpu_ms", "sandbox_us", "p90", "cpu_ms", "overhead_us", "ratio");
    std::fflush(stdout);
  }

  static void print_row(const Subject& subject, const Measured& m) {
    std::printf("  %-8s %9.0f %9.0f %7.1f   %10.0f %9.0f %7.1f   %11.0f %6.3f\n",
                subject.key.c_str(), m.bare.median_us, m.bare.p90_us, m.bare_cpu.median_us / 1000,
                m.boxed.median_us, m.boxed.p90_us, m.boxed_cpu.median_us / 1000, m.overhead_us(),
                m.boxed.median_us / m.bare.median_us);
    std::fflush(stdout);
  }

  void print_throttling(const std::vector<Measured>& results) const {
    if (!cpu_controller_->available()) {
      std::printf("  CPU quota throttling: the slot's cpu.stat was not found\n");
      return;
    }
    std::printf("\n  CPU quota of the sandboxed runs (cpu.stat nr_throttled, throttled time):\n");
    for (size_t i = 0; i < subjects_.size(); ++i) {
      const Measured& m = results[i];
      std::printf("  %-8s %.2f cores: %lld of %lld runs throttled", subjects_[i].key.c_str(),
                  subjects_[i].request.limits.cpu_cores, static_cast<long long>(m.throttled_runs),
                  static_cast<long long>(options_.runs));
      if (m.throttled_runs > 0) {
        std::printf(", for %.1f ms (median of those)", m.throttled.median_us / 1000);
      }
      std::printf("\n");
    }
  }

  void print_verdicts(const std::vector<Measured>& results) const {
    std::printf("\n  target: at most %.0f us overhead for Python and Node.js:", kTargetOverheadUs);
    for (size_t i = 0; i < subjects_.size(); ++i) {
      if (subjects_[i].key == "java") continue;
      std::printf(" %s %s", subjects_[i].key.c_str(),
                  results[i].overhead_us() <= kTargetOverheadUs ? "met" : "NOT met");
    }
    std::printf("\n");
  }

  Options options_;
  judge::LanguageTable table_;
  TempDir scratch_;
  std::unique_ptr<sb::Sandbox> sandbox_;
  std::unique_ptr<sb::SlotPool::Lease> lease_;  // Declared after sandbox_: released before it.
  std::unique_ptr<SlotCpuController> cpu_controller_;
  std::vector<Subject> subjects_;
};

}  // namespace

int interpreters_bench(const std::vector<std::string>& args) {
  return run_subcommand("interpreters", kInterpretersBenchUsage,
                        [&] { return InterpretersBench(parse_options(args)).run(); });
}

}  // namespace codearena::bench
