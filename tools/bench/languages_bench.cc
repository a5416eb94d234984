// `codearena-bench languages`: see languages_bench.h.
//
// For each language four trials take turns one run at a time: the toolchain's stock commands
// (plain), the table's commands bare on the host, judging a new source (the compile cache
// misses) and judging the source just judged (it hits, so only the run is left for compiled
// languages). Sources differ by a comment with a counter. The judge has the prepared directory
// (precompiled headers, class-data archives), as `codearena judge` does, and the bare commands
// get the same options; the plain ones get none of them. With --spares the judge keeps spare
// compilers, as the service does; --gap-ms gives them the idle time a service has between jobs.
// With --api a `codearena serve` node judges instead, through POST /api/execute?wait=true, and
// the bare commands use the files that node prepared.
#include "tools/bench/languages_bench.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "judge/class_data_archives.h"
#include "judge/compile_cache.h"
#include "judge/judge.h"
#include "judge/judge_stack.h"
#include "judge/languages.h"
#include "sandbox/fs_util.h"
#include "sandbox/sandbox.h"
#include "tools/bench/api_load.h"
#include "tools/bench/args.h"
#include "tools/bench/bench_util.h"
#include "tools/bench/measure.h"
#include "tools/bench/process.h"
#include "tools/bench/serve_process.h"

namespace codearena::bench {

const char kLanguagesBenchUsage[] = R"(usage: codearena-bench languages [options]   (needs root)

Compiles (where the language is compiled) and runs a hello world in python, javascript, c, cpp
and java: on the host with the toolchain's stock commands (plain: `javac Main.java && java Main`,
`g++ -std=c++17 -O2 -o main main.cpp && ./main`, ...), on the host with the language table's
commands (bare), and judged end to end by CodeArena (Judge::judge: compile in the sandbox, then
one sandboxed run), with a new source (compile cache miss) and with the same source again
(cache hit). The last line is
  languages python_overhead_ms=<x> python_ratio=<y> javascript_overhead_ms=<x> ...
overhead: the median judged run with a cache miss minus the median bare compile+run; ratio: the
median judged run with a cache miss over the median plain compile+run.

Options:
  --runs N          measured runs of each trial, per language (default 10)
  --warmup N        unmeasured runs of each trial first, per language (default 1)
  --pch-dir DIR     precompiled-header directory (default /var/cache/codearena/pch)
  --languages FILE  language table (default: as `codearena judge`)
  --only ID         time only this language (repeatable: --only java --only cpp)
  --spares          judge with spare compilers (Java), as `codearena serve` does by default
  --gap-ms N        before each judged job with a new source, idle until N ms have passed since
                    the last one ended (the time between jobs a spare gets to warm; default 0)
  --back-to-back N  then judge N new sources in a row with no gap, per language, and print
                    their median and ratio (<id>_back_to_back_ms, <id>_back_to_back_ratio)
  --api             judge through the HTTP API instead: start `codearena serve` (the binary
                    beside this one) with its default settings (spare compilers on) and one
                    sandbox slot per core, and time each POST /api/execute?wait=true from the
                    send to the whole answer; the bare commands use the files the node prepared
                    in /var/cache/codearena/pch. The last line's keys then read <id>_api_...
  --api-setting NAME=value
                    a setting of that node (repeatable), e.g. SPARE_COMPILERS=false
)";

namespace {

namespace sb = codearena::sandbox;

const std::string kExpected = "hello\n";
// Long enough that no spare is replaced during a run of the bench.
constexpr int64_t kSpareMaxWaitMs = 60 * 60 * 1000;

double ms(double us) {
  return us / 1000;
}

// A hello world per language; a counter goes in a comment so every source is new. `plain_*`
// are the toolchain's stock commands for it, the baseline a user would time by hand.
struct HelloWorld {
  const char* id;
  const char* comment;
  const char* body;
  std::vector<std::string> plain_compile;  // Empty for interpreted languages.
  std::vector<std::string> plain_run;
};

const HelloWorld kHelloWorlds[] = {
    {"python", "#", "print(\"hello\")\n", {}, {"/usr/bin/python3", "main.py"}},
    {"javascript", "//", "console.log(\"hello\");\n", {}, {"/usr/bin/node", "main.js"}},
    {"c",
     "//",
     "#include <stdio.h>\n\nint main(void) {\n  puts(\"hello\");\n  return 0;\n}\n",
     {"/usr/bin/gcc", "-std=c17", "-O2", "-o", "main", "main.c"},
     {"./main"}},
    {"cpp",
     "//",
     "#include <bits/stdc++.h>\n\nint main() {\n  std::cout << \"hello\" << std::endl;\n"
     "  return 0;\n}\n",
     {"/usr/bin/g++", "-std=c++17", "-O2", "-o", "main", "main.cpp"},
     {"./main"}},
    {"java",
     "//",
     "public class Main {\n  public static void main(String[] args) {\n"
     "    System.out.println(\"hello\");\n  }\n}\n",
     {"/usr/bin/javac", "Main.java"},
     {"/usr/bin/java", "Main"}},
};

// A compile command (null for interpreted languages) and a run command, run on the host.
struct HostCommands {
  std::unique_ptr<Command> compile;
  std::unique_ptr<Command> run;

  HostCommands(const std::vector<std::string>& compile_argv,
               const std::vector<std::string>& run_argv, const std::vector<std::string>& env)
      : compile(compile_argv.empty() ? nullptr : std::make_unique<Command>(compile_argv, env)),
        run(std::make_unique<Command>(run_argv, env)) {}
};

struct Subject {
  const HelloWorld* hello = nullptr;
  const judge::Language* language = nullptr;
  std::string dir;  // Bare runs compile and run here.
  std::string source_name;
  std::unique_ptr<HostCommands> plain;  // The toolchain's stock commands.
  std::unique_ptr<HostCommands> bare;   // The table's commands.
  std::string last_source;              // The source most recently judged with a cache miss.
};

struct Row {
  Summary plain;
  Summary bare_compile;
  Summary bare_run;
  Summary bare;
  Summary cold;
  Summary cached;
  double overhead_us() const { return cold.median_us - bare.median_us; }
  double ratio() const { return cold.median_us / plain.median_us; }
};

class LanguagesBench {
 public:
  explicit LanguagesBench(JudgeBenchOptions options)
      : options_(std::move(options)),
        table_(judge::LanguageTable::load(options_.languages.empty()
                                              ? judge::default_language_table_path()
                                              : options_.languages)),
        scratch_("codearena-bench-languages") {
    if (options_.api) {
      start_node();
    } else {
      start_judge();
    }
    for (const auto& id : options_.only) {
      const auto named = [&](const HelloWorld& hello) { return id == hello.id; };
      if (std::none_of(std::begin(kHelloWorlds), std::end(kHelloWorlds), named)) {
        throw UsageError("--only " + id + ": no such language");
      }
    }
    for (const auto& hello : kHelloWorlds) {
      const bool chosen =
          options_.only.empty() ||
          std::find(options_.only.begin(), options_.only.end(), hello.id) != options_.only.end();
      if (chosen) add_subject(hello);
    }
  }

  int run() {
    print_setup();
    std::vector<Row> rows;
    for (auto& subject : subjects_) {
      std::vector<double> compile_us;
      std::vector<double> run_us;
      std::vector<double> unused;
      const std::vector<Trial> trials = {
          {"plain", [&] { return on_host(subject, *subject.plain, &unused, &unused); }},
          {"bare", [&] { return on_host(subject, *subject.bare, &compile_us, &run_us); }},
          {"judged", [&] { return judged(subject, true); }},
          {"judged, cached", [&] { return judged(subject, false); }},
      };
      const auto samples = alternate(trials, options_.runs, 1, options_.warmup);
      // The split of the bare runs: the warm-up runs come first, leave them out.
      const auto measured = [&](std::vector<double> all) {
        all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(options_.runs));
        return summarize(all);
      };
      rows.push_back({summarize(samples[0]), measured(compile_us), measured(run_us),
                      summarize(samples[1]), summarize(samples[2]), summarize(samples[3])});
      print_row(subject, rows.back());
    }
    if (judge_) {
      std::printf("judged compiles done by a spare compiler: %lld\n",
                  static_cast<long long>(judge_->spare_compilations()));
    }
    std::vector<Summary> back_to_back;
    for (size_t i = 0; i < subjects_.size() && options_.back_to_back > 0; ++i)
      back_to_back.push_back(judged_back_to_back(subjects_[i], rows[i]));
    std::printf("\nlanguages");
    for (size_t i = 0; i < subjects_.size(); ++i) {
      const std::string id = subjects_[i].language->id + (node_ ? "_api" : "");
      std::printf(" %s_overhead_ms=%.1f %s_ratio=%.2f", id.c_str(), ms(rows[i].overhead_us()),
                  id.c_str(), rows[i].ratio());
      if (i < back_to_back.size()) {
        std::printf(" %s_back_to_back_ms=%.1f %s_back_to_back_ratio=%.2f", id.c_str(),
                    ms(back_to_back[i].median_us), id.c_str(),
                    back_to_back[i].median_us / rows[i].plain.median_us);
      }
    }
    std::printf("\n");
    std::fflush(stdout);
    return 0;
  }

 private:
  void start_judge() {
    sb::make_dirs(options_.pch_dir);
    sb::SandboxConfig config;
    config.binds = sb::default_read_only_binds();
    config.binds.push_back({options_.pch_dir, false});
    // A spare holds a slot until its job: the jobs need one of their own.
    config.slots = options_.spares ? 2 : 1;
    sandbox_ = std::make_unique<sb::Sandbox>(config);
    judge_ = std::make_unique<judge::Judge>(*sandbox_, table_, cache_, options_.pch_dir);
    pch_report_ = judge_->prepare_precompiled_headers();
    archive_report_ = judge_->prepare_class_data_archives();
    if (options_.spares) {
      spare_report_ = judge_->prepare_spare_compilers();
      spare_report_ += "started for " + judge_->start_spare_compilers(kSpareMaxWaitMs);
    }
  }

  // The node has no setting for where it prepares its files, so the bare commands look there.
  void start_node() {
    const std::string node_dir = judge::JudgeStackConfig{}.pch_dir;
    if (options_.pch_dir != node_dir) {
      throw UsageError("--pch-dir: with --api the node prepares its files in " + node_dir);
    }
    if (options_.spares) {
      throw UsageError(
          "--spares: with --api the node keeps spare compilers unless "
          "--api-setting SPARE_COMPILERS=false");
    }
    std::vector<std::string> settings;
    if (!options_.languages.empty())
      settings.push_back("CODEARENA_LANGUAGES=" + options_.languages);
    settings.insert(settings.end(), options_.api_settings.begin(), options_.api_settings.end());
    node_ = std::make_unique<ServeProcess>(::sysconf(_SC_NPROCESSORS_ONLN), settings);
    connection_ = std::make_unique<HttpConnection>(node_->port());
    pch_report_ = archive_report_ = "prepared by the node in " + node_dir;
    spare_report_ = "as the node's settings say (SPARE_COMPILERS, default true)";
    for (const auto& setting : settings) node_report_ += " " + setting;
  }

  void add_subject(const HelloWorld& hello) {
    Subject subject;
    subject.hello = &hello;
    subject.language = &find_language(table_, hello.id);
    const judge::Language& language = *subject.language;
    subject.dir = scratch_.path() + "/" + language.id;
    sb::make_dirs(subject.dir);
    // As Judge::judge() fills them in for the default limits.
    judge::CommandValues values;
    values.main_class = judge::find_main_class(language, hello.body);
    values.source = judge::expand_command({language.source_name}, values).at(0);
    values.memory_mb = language.default_limits.memory_bytes >> 20;
    values.heap_reserve_mb = language.heap_reserve_mb;
    if (!language.precompiled_header.empty()) {
      values.pch_include = "-I" + options_.pch_dir + "/" + language.id;
    }
    values.class_data_archive = judge::class_data_archive_option(language, options_.pch_dir);
    subject.source_name = values.source;
    const auto env = bare_environment(subject.dir);
    subject.plain = std::make_unique<HostCommands>(hello.plain_compile, hello.plain_run, env);
    subject.bare = std::make_unique<HostCommands>(
        language.compiled() ? judge::expand_command(language.compile, values)
                            : std::vector<std::string>{},
        judge::expand_command(language.run, values), env);
    subjects_.push_back(std::move(subject));
  }

  std::string fresh_source(const Subject& subject) {
    return std::string(subject.hello->comment) + " codearena-bench languages, source " +
           std::to_string(++sources_) + "\n" + subject.hello->body;
  }

  double on_host(const Subject& subject, const HostCommands& commands,
                 std::vector<double>* compile_us, std::vector<double>* run_us) {
    sb::write_text_file_create(subject.dir + "/" + subject.source_name, fresh_source(subject));
    const ScopedChdir in_dir(subject.dir);
    const double compiled = commands.compile ? timed_bare_run(*commands.compile, nullptr) : 0;
    const double ran = timed_bare_run(*commands.run, &kExpected);
    compile_us->push_back(compiled);
    run_us->push_back(ran);
    return compiled + ran;
  }

  double judged(Subject& subject, bool fresh) {
    if (fresh || subject.last_source.empty()) {
      subject.last_source = fresh_source(subject);
      idle_until_gap_passed();
    }
    const double us = judge_last_source(subject, !fresh && subject.language->compiled());
    if (fresh) last_judged_end_ = std::chrono::steady_clock::now();
    return us;
  }

  // Judges the subject's last source in process or through the node and returns its µs; throws
  // unless it is AC with kExpected and the compile cache hit exactly when `expect_cached` says.
  double judge_last_source(const Subject& subject, bool expect_cached) {
    if (node_) {
      const nlohmann::json body = {{"language", subject.language->id},
                                   {"code", subject.last_source}};
      return timed_execute(*connection_, body.dump(), kExpected, expect_cached);
    }
    judge::JudgeRequest request;
    request.language = subject.language->id;
    request.source = subject.last_source;
    return timed_judge(*judge_, request, kExpected, expect_cached);
  }

  int64_t spare_compilations() const { return judge_ ? judge_->spare_compilations() : 0; }

  void idle_until_gap_passed() const {
    std::this_thread::sleep_until(last_judged_end_ + std::chrono::milliseconds(options_.gap_ms));
  }

  // New sources judged one right after the other: what a burst of jobs gets.
  Summary judged_back_to_back(Subject& subject, const Row& row) {
    const int64_t spared_before = spare_compilations();
    std::vector<double> samples;
    for (int64_t i = 0; i < options_.back_to_back; ++i) {
      subject.last_source = fresh_source(subject);
      samples.push_back(judge_last_source(subject, false));
    }
    const Summary summary = summarize(samples);
    std::printf("%s back to back: %lld judged, median %.1f ms, ratio to plain %.2f",
                subject.language->id.c_str(), static_cast<long long>(options_.back_to_back),
                ms(summary.median_us), summary.median_us / row.plain.median_us);
    if (judge_) {
      std::printf(", %lld by a spare compiler",
                  static_cast<long long>(spare_compilations() - spared_before));
    }
    std::printf("\n");
    return summary;
  }

  void print_setup() const {
    std::printf(
        "codearena-bench languages: %lld runs of each trial and language after %lld warm-up "
        "runs\n",
        static_cast<long long>(options_.runs), static_cast<long long>(options_.warmup));
    std::printf("machine: %s\n",
                (sandbox_ ? machine_description(*sandbox_) : machine_description()).c_str());
    if (node_) {
      std::printf("api: %s serve on 127.0.0.1:%u (pid %d), settings:%s\n", node_->binary().c_str(),
                  node_->port(), static_cast<int>(node_->pid()),
                  node_report_.empty() ? " defaults" : node_report_.c_str());
    }
    std::printf("precompiled headers: %s\n", pch_report_.c_str());
    std::printf("class-data archives: %s\n", archive_report_.c_str());
    if (options_.spares || node_) {
      std::printf(
          "spare compilers: %s; at least %lld ms from one judged job with a new source "
          "to the next\n",
          spare_report_.c_str(), static_cast<long long>(options_.gap_ms));
    }
    for (const auto& subject : subjects_) {
      std::printf("%s (%s):\n  plain:%s\n  bare: %s\n", subject.language->id.c_str(),
                  subject.language->version.c_str(), command_line(*subject.plain).c_str(),
                  command_line(*subject.bare).c_str());
    }
    std::printf(
        "\nmedians in ms; judged = %s with a new source, cached = again, "
        "overhead = judged - bare, ratio = judged / plain\n",
        node_ ? "POST /api/execute?wait=true (send to whole answer)" : "Judge::judge()");
    std::printf("  %-10s %9s %9s %9s %9s %9s %9s %9s %7s\n", "language", "plain", "b.compile",
                "b.run", "bare", "judged", "cached", "overhead", "ratio");
    std::fflush(stdout);
  }

  static std::string command_line(const HostCommands& commands) {
    std::string text;
    if (commands.compile) {
      for (const auto& arg : commands.compile->argv()) text += " " + arg;
      text += " &&";
    }
    for (const auto& arg : commands.run->argv()) text += " " + arg;
    return text;
  }

  static void print_row(const Subject& subject, const Row& row) {
    std::printf("  %-10s %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %7.2f\n",
                subject.language->id.c_str(), ms(row.plain.median_us),
                ms(row.bare_compile.median_us), ms(row.bare_run.median_us), ms(row.bare.median_us),
                ms(row.cold.median_us), ms(row.cached.median_us), ms(row.overhead_us()),
                row.ratio());
    std::fflush(stdout);
  }

  JudgeBenchOptions options_;
  judge::LanguageTable table_;
  TempDir scratch_;
  std::unique_ptr<sb::Sandbox> sandbox_;
  judge::CompileCache cache_;
  std::unique_ptr<judge::Judge> judge_;  // Null with --api.
  std::unique_ptr<ServeProcess> node_;   // With --api only.
  std::unique_ptr<HttpConnection> connection_;
  std::string node_report_;
  std::string pch_report_;
  std::string archive_report_;
  std::string spare_report_;
  std::chrono::steady_clock::time_point last_judged_end_;
  std::vector<Subject> subjects_;
  int64_t sources_ = 0;
};

}  // namespace

int languages_bench(const std::vector<std::string>& args) {
  return run_subcommand("languages", kLanguagesBenchUsage,
                        [&] { return LanguagesBench(parse_judge_bench_options(args)).run(); });
}

}  // namespace codearena::bench
