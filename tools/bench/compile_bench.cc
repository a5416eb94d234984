// `codearena-bench compile`: see compile_bench.h.
//
// Four trials take turns one run at a time (the first one rotating): judging with the PCH,
// judging without, bare g++ with -I<pch dir>/cpp, bare g++ without. Every run compiles a source
// no run compiled before (a comment carries a counter), so the compile cache always misses.
#include "tools/bench/compile_bench.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "judge/compile_cache.h"
#include "judge/judge.h"
#include "judge/languages.h"
#include "sandbox/fs_util.h"
#include "sandbox/sandbox.h"
#include "tools/bench/args.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/measure.h"
#include "tools/bench/process.h"

namespace codearena::bench {

const char kCompileBenchUsage[] = R"(usage: codearena-bench compile [options]   (needs root)

Times the C++ compilation of a `#include <bits/stdc++.h>` hello world judged through the
sandbox (compile, then one run of the program) with the precompiled header and without it,
and bare host g++ with and without -I<pch dir>/cpp for reference. Every run compiles a new
source (a comment with a counter), so the compile cache never answers. The last line is
  compile pch_ms=<median> nopch_ms=<median> speedup=<nopch_ms / pch_ms>
for the sandboxed (judged) compilations.

Options:
  --runs N          measured runs of each of the four trials (default 10)
  --warmup N        unmeasured runs of each trial first (default 1)
  --pch-dir DIR     precompiled-header directory, built there if missing
                    (default /var/cache/codearena/pch, the one `codearena judge` uses)
  --languages FILE  language table (default: as `codearena judge`)
)";

namespace {

namespace sb = codearena::sandbox;

constexpr double kTargetSpeedup = 3.0;
const std::string kExpected = "hello\n";

double ms(double us) {
  return us / 1000;
}

int64_t file_size(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 ? static_cast<int64_t>(info.st_size) : -1;
}

class CompileBench {
 public:
  explicit CompileBench(JudgeBenchOptions options)
      : options_(std::move(options)),
        table_(judge::LanguageTable::load(options_.languages.empty()
                                              ? judge::default_language_table_path()
                                              : options_.languages)),
        cpp_(find_language(table_, "cpp")),
        scratch_("codearena-bench-compile") {
    if (cpp_.precompiled_header.empty()) {
      throw std::runtime_error("the cpp language has no \"precompiledHeader\"; nothing to compare");
    }
    sb::make_dirs(options_.pch_dir);
    sb::SandboxConfig config;
    config.binds = sb::default_read_only_binds();
    config.binds.push_back({options_.pch_dir, false});
    sandbox_ = std::make_unique<sb::Sandbox>(config);
    with_pch_ =
        std::make_unique<judge::Judge>(*sandbox_, table_, cache_with_pch_, options_.pch_dir);
    without_pch_ = std::make_unique<judge::Judge>(*sandbox_, table_, cache_without_pch_, "");
    const int64_t start = monotonic_ns();
    prepare_report_ = with_pch_->prepare_precompiled_headers();
    prepare_ms_ = ms(elapsed_us(start));

    judge::CommandValues values;
    values.source = cpp_.source_name;
    const auto plain = judge::expand_command(cpp_.compile, values);
    values.pch_include = "-I" + pch_include_dir();
    const auto with_pch = judge::expand_command(cpp_.compile, values);
    const auto env = bare_environment(scratch_.path());
    bare_with_pch_ = std::make_unique<Command>(with_pch, env);
    bare_without_pch_ = std::make_unique<Command>(plain, env);
  }

  int run() {
    print_setup();
    const std::vector<Trial> trials = {
        {"sandbox, with PCH", [this] { return judged(*with_pch_); }},
        {"sandbox, without PCH", [this] { return judged(*without_pch_); }},
        {"bare g++, with PCH", [this] { return bare(*bare_with_pch_); }},
        {"bare g++, without PCH", [this] { return bare(*bare_without_pch_); }},
    };
    const auto samples = alternate(trials, options_.runs, 1, options_.warmup);
    std::vector<Summary> summaries;
    for (const auto& series : samples) summaries.push_back(summarize(series));
    print_table(trials, summaries);
    print_result(summaries);
    return 0;
  }

 private:
  std::string pch_include_dir() const { return options_.pch_dir + "/" + cpp_.id; }
  std::string gch_path() const {
    return pch_include_dir() + "/" + cpp_.precompiled_header + ".gch";
  }

  // A source no earlier run compiled: the compile cache cannot know it.
  std::string fresh_source() {
    return "// codearena-bench compile, source " + std::to_string(++sources_) +
           "\n#include <bits/stdc++.h>\n\nint main() {\n  std::cout << \"hello\" << std::endl;\n"
           "  return 0;\n}\n";
  }

  double judged(judge::Judge& judge) {
    judge::JudgeRequest request;
    request.language = cpp_.id;
    request.source = fresh_source();
    return timed_judge(judge, request, kExpected, false);
  }

  double bare(const Command& compiler) {
    scratch_.write(cpp_.source_name, fresh_source());
    const ScopedChdir in_scratch(scratch_.path());
    return timed_bare_run(compiler, nullptr);
  }

  // Whether GCC takes the precompiled header, asked with -H ("! <file>.gch" when it does),
  // inside the sandbox and on the host.
  std::string pch_check() {
    judge::CommandValues values;
    values.source = cpp_.source_name;
    values.pch_include = "-I" + pch_include_dir();
    auto argv = judge::expand_command(cpp_.compile, values);
    argv.insert(argv.end(), {"-H", "-Winvalid-pch", "-fsyntax-only"});
    const std::string marker = "! " + gch_path();
    const std::string source = fresh_source();

    sb::RunRequest request;
    request.argv = argv;
    request.files.push_back({cpp_.source_name, source, "", false});
    request.limits = cpp_.compile_limits;
    request.network_calls = cpp_.network_calls;
    const sb::RunResult boxed = sandbox_->run(request);
    const bool boxed_ok =
        boxed.status == sb::RunStatus::kOk && boxed.stderr_data.find(marker) != std::string::npos;

    scratch_.write(cpp_.source_name, source);
    const ScopedChdir in_scratch(scratch_.path());
    const ProcessOutcome host = Command(argv, bare_environment(scratch_.path())).run();
    const bool host_ok = host.exited_ok() && host.err.find(marker) != std::string::npos;
    std::string report =
        std::string("sandbox ") + (boxed_ok ? "yes" : "NO") + ", host " + (host_ok ? "yes" : "NO");
    if (!boxed_ok) report += "\n  sandbox g++ -H said: " + quoted(boxed.stderr_data);
    if (!host_ok) report += "\n  host g++ -H said: " + quoted(host.err);
    return report;
  }

  void print_setup() {
    std::printf("codearena-bench compile: %lld runs of each trial after %lld warm-up runs\n",
                static_cast<long long>(options_.runs), static_cast<long long>(options_.warmup));
    std::printf("machine: %s\n", machine_description(*sandbox_).c_str());
    std::printf("compiler: %s\n", cpp_.version.c_str());
    std::string command;
    for (const auto& arg : bare_with_pch_->argv()) command += " " + arg;
    std::printf("compile command:%s\n", command.c_str());
    std::printf(
        "precompiled header: %s (%.1f MB); prepare_precompiled_headers() took %.0f ms: %s\n",
        gch_path().c_str(), static_cast<double>(file_size(gch_path())) / 1e6, prepare_ms_,
        prepare_report_.c_str());
    std::printf("PCH taken (g++ -H): %s\n", pch_check().c_str());
    std::fflush(stdout);
  }

  static void print_table(const std::vector<Trial>& trials, const std::vector<Summary>& summaries) {
    std::printf("\n  %-24s %10s %10s %10s %10s %9s\n", "trial", "median_ms", "p90_ms", "min_ms",
                "mean_ms", "x PCH");
    for (size_t t = 0; t < trials.size(); ++t) {
      const Summary& s = summaries[t];
      const double reference = summaries[t < 2 ? 0 : 2].median_us;
      std::printf("  %-24s %10.0f %10.0f %10.0f %10.0f %9.2f\n", trials[t].name.c_str(),
                  ms(s.median_us), ms(s.p90_us), ms(s.min_us), ms(s.mean_us),
                  s.median_us / reference);
    }
  }

  static void print_result(const std::vector<Summary>& s) {
    const double speedup = s[1].median_us / s[0].median_us;
    std::printf("\n  PCH speed-up (median without / median with): sandbox %.2f, bare g++ %.2f\n",
                speedup, s[3].median_us / s[2].median_us);
    std::printf(
        "  sandbox over bare g++ (medians): with PCH %+.0f ms (x%.2f), without %+.0f ms "
        "(x%.2f)\n",
        ms(s[0].median_us - s[2].median_us), s[0].median_us / s[2].median_us,
        ms(s[1].median_us - s[3].median_us), s[1].median_us / s[3].median_us);
    std::printf("  target: PCH at least %.0fx faster in the sandbox: %s\n", kTargetSpeedup,
                speedup >= kTargetSpeedup ? "met" : "NOT met");
    std::printf("\ncompile pch_ms=%lld nopch_ms=%lld speedup=%.2f\n",
                static_cast<long long>(std::llround(ms(s[0].median_us))),
                static_cast<long long>(std::llround(ms(s[1].median_us))), speedup);
    std::fflush(stdout);
  }

  JudgeBenchOptions options_;
  judge::LanguageTable table_;
  const judge::Language& cpp_;
  TempDir scratch_;
  std::unique_ptr<sb::Sandbox> sandbox_;
  judge::CompileCache cache_with_pch_;
  judge::CompileCache cache_without_pch_;
  std::unique_ptr<judge::Judge> with_pch_;
  std::unique_ptr<judge::Judge> without_pch_;
  std::unique_ptr<Command> bare_with_pch_;
  std::unique_ptr<Command> bare_without_pch_;
  std::string prepare_report_;
  double prepare_ms_ = 0;
  int64_t sources_ = 0;
};

}  // namespace

int compile_bench(const std::vector<std::string>& args) {
  return run_subcommand("compile", kCompileBenchUsage,
                        [&] { return CompileBench(parse_judge_bench_options(args)).run(); });
}

}  // namespace codearena::bench
