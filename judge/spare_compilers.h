// Spare compilers: for a language whose compiler runs on a JVM (javac), a compiler started in a
// box ahead of the next job, warmed on the language table's sample, and then used for exactly
// one job's compilation before it exits with its box. The JVM's start and its cold code are
// then paid before the job arrives instead of by it.
//
// A spare sees nothing of any job before its own: it runs as the slot's unprivileged user in a
// fresh box, compiles only the table's sample, and reads the read-only prepared directory. After
// the hand-over it compiles the one source it was given into its /box and exits; the engine
// collects the artifacts as from a cold compile. The next spare is a new JVM in a new box.
//
// The Java program a spare runs is part of CodeArena (judge/java/SpareCompiler.java); it is
// compiled on the host, with its own class-data archive, by prepare_spare_compilers().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "judge/languages.h"
#include "sandbox/sandbox.h"

namespace codearena::judge {

// Builds `dir`/<language id>/spare/ (the compiled spare program, the sample it warms on and its
// class-data archive) for every language of `languages` with a "spareCompiler", unless built
// for this toolchain already. Runs javac and the spare on the host like
// prepare_class_data_archives() (see class_data_archives.h), on the table's sample only. Blocks
// until done; a language whose spare cannot be built compiles the cold way. Returns what it
// did, for logs. Throws SandboxError naming the path when `dir` cannot be written.
std::string prepare_spare_compilers(const LanguageTable& languages, const std::string& dir);

class SpareCompilers {
 public:
  // Keeps one spare ready for every language of `languages` whose spare
  // prepare_spare_compilers() built in `dir`, each on a slot of `sandbox` taken from its
  // start until its job's compilation ends. Spares run under the language's compile limits
  // (the CPU limit `compile_time_ms` when set); one that gets no job within `max_wait_ms` is
  // replaced. `sandbox` and `languages` must outlive this object. Starts a thread per
  // language; throws std::system_error when it cannot.
  SpareCompilers(sandbox::Sandbox& sandbox, const LanguageTable& languages, std::string dir,
                 std::optional<int64_t> compile_time_ms, int64_t max_wait_ms);
  // Stops every spare (a compilation in progress ends as cancelled) and joins the threads.
  ~SpareCompilers();
  SpareCompilers(const SpareCompilers&) = delete;
  SpareCompilers& operator=(const SpareCompilers&) = delete;

  // Compiles `source`, as `source_name` in /box, on a ready spare of `language` and returns the
  // run, as Sandbox::run() would for the compile command: CPU and wall time counted from the
  // hand-over. Nothing (and the caller compiles the cold way) when no spare of the language is
  // ready, the source does not fit its pipe (the spare then stays for the next job), or the
  // spare ended before it read the source.
  // Cancelling `cancel_token` ends the compilation. Thread-safe; blocks until the run ends.
  std::optional<sandbox::RunResult> compile(
      const Language& language, const std::string& source_name, const std::string& source,
      const std::shared_ptr<sandbox::CancelToken>& cancel_token);

  // Waits until a spare of the language with id `language_id` is ready, at most `timeout`;
  // false when none is by then (or the language has no spares). For tests and benchmarks.
  bool wait_until_ready(const std::string& language_id, std::chrono::milliseconds timeout);

  // The ids of the languages with spares, comma-separated, for logs.
  std::string languages() const;
  // How many compilations spares have done, for benchmarks and tests.
  int64_t compilations() const;

 private:
  class Keeper;
  std::vector<std::unique_ptr<Keeper>> keepers_;
};

}  // namespace codearena::judge
