// Helpers shared by the codearena-bench subcommands that time whole languages (compile,
// interpreters, languages): scratch directories, checked bare and sandboxed runs, the
// alternating-block measurement loop and the machine description.
//
// A Trial is one way of doing one checked run; its run_once() does any per-run preparation
// (writing a fresh source file, say) before it starts its clock and returns the µs it timed.
// alternate() runs blocks of each trial in turn, rotating which goes first, so that machine
// noise lands on every trial alike.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "judge/judge.h"
#include "judge/languages.h"
#include "sandbox/sandbox.h"
#include "sandbox/slots.h"
#include "tools/bench/measure.h"
#include "tools/bench/process.h"

namespace codearena::bench {

// A directory made with mkdtemp under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  // Writes (creates or replaces) `name` in the directory; returns its full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// Changes the working directory for the lifetime of the object, then goes back.
class ScopedChdir {
 public:
  explicit ScopedChdir(const std::string& dir);
  ScopedChdir(const ScopedChdir&) = delete;
  ScopedChdir& operator=(const ScopedChdir&) = delete;
  ~ScopedChdir();

 private:
  int previous_ = -1;
};

// The environment the sandbox gives every program (see supervisor.cc), with HOME at `home`:
// bare runs get the same one.
std::vector<std::string> bare_environment(const std::string& home);

// One way of doing one checked run, timing itself; throws std::runtime_error when it fails.
struct Trial {
  std::string name;
  std::function<double()> run_once;
};

// Runs `warmup` unmeasured runs of every trial, then `runs` measured runs of each in blocks of
// `block`, the trials taking turns (the first one rotating every round). Returns the samples,
// in µs, in the order of `trials`.
std::vector<std::vector<double>> alternate(const std::vector<Trial>& trials, int64_t runs,
                                           int64_t block, int64_t warmup);

// Runs `command` and returns its µs; throws unless it exits 0 (and, when `expected_out` is
// given, prints exactly that).
double timed_bare_run(const Command& command, const std::string* expected_out);

// The environment of the commands the benchmarks start themselves (a small PATH, LANG).
extern const std::vector<std::string> kCommandEnvironment;

// A program built with the bench: beside this binary, else at `build_tree_path` (the build
// tree it came from).
std::string bench_program(const char* name, const char* build_tree_path);

// Runs the spawner's command once and returns the µs the spawner measured; throws unless the
// command exits 0 and `accepts` its stdout. `name` names the command in the error.
double timed_spawned_run(Spawner& spawner, const std::string& name,
                         const std::function<bool(const std::string&)>& accepts);
// The same, accepting exactly `expected` on stdout.
double timed_spawned_run(Spawner& spawner, const std::string& name, const std::string& expected);

// Runs `request` on `slot` and returns its µs; throws unless the status is ok and stdout is
// exactly `expected_out`. `result`, when given, receives the run's result.
double timed_slot_run(sandbox::Slot& slot, const sandbox::RunRequest& request,
                      const std::string& expected_out, sandbox::RunResult* result = nullptr);

// CPU time (user + system) of this process's children that have been waited for, in µs: the
// difference across a bare run is the CPU time of that run.
double children_cpu_us();

// Judges `request` and returns its µs; throws unless the verdict is AC with stdout
// `expected_out` and the compile cache was hit exactly when `expect_cached` says.
double timed_judge(judge::Judge& judge, const judge::JudgeRequest& request,
                   const std::string& expected_out, bool expect_cached);

// "2 cores (AMD EPYC), kernel 6.x, load average 0.12".
std::string machine_description();
// The same followed by the sandbox's cgroup version: "..., load average 0.12, cgroup v1".
std::string machine_description(const sandbox::Sandbox& sandbox);

// The values the judge substitutes into `language`'s commands with its default limits, for a
// program whose main class is `main_class` (Java).
judge::CommandValues run_values(const judge::Language& language, const std::string& main_class);

// The language's run command with its source-file argument replaced by `flag code` (python3 -S
// -B -c 'print("hello")'); throws std::runtime_error when the command does not name the source.
std::vector<std::string> inline_code_argv(const judge::Language& language, const char* flag,
                                          const std::string& code);

// The language, or a runtime_error naming the table.
const judge::Language& find_language(const judge::LanguageTable& table, const std::string& id);

// At most 200 characters of `text`, in single quotes, for error messages.
std::string quoted(const std::string& text);

}  // namespace codearena::bench
