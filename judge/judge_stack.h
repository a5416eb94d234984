// Everything judging needs, assembled the one way the CLI and the service both use: the language
// table, a sandbox with the precompiled-header cache bound in, the compile cache and the judge.
//
// Building one needs root (see Sandbox) and may take seconds the first time (versions are
// detected, precompiled headers built). Errors throw SandboxError (machine, language table) or
// std::invalid_argument (a bad compile time limit). The parts are thread-safe as documented on
// each; the stack itself is not movable (the judge refers to its siblings).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "judge/compile_cache.h"
#include "judge/judge.h"
#include "judge/languages.h"
#include "sandbox/sandbox.h"

namespace codearena::judge {

struct JudgeStackConfig {
  int slots = 1;
  std::string languages_path;  // Empty: default_language_table_path().
  std::string pch_dir = "/var/cache/codearena/pch";
  std::optional<int64_t> compile_time_limit_ms;  // COMPILE_TIME_LIMIT: overrides the table's.
  // SPARE_COMPILERS: keep a warm compiler ready for each language that has one (Java), on a
  // slot of its own beside the `slots` of the jobs.
  bool spare_compilers = false;
  int64_t spare_max_wait_ms = 10 * 60 * 1000;  // A spare unused this long is replaced.
};

// The language table `config` names (or the default one), with versions detected. Throws
// SandboxError naming the file, entry and field when it cannot be loaded.
LanguageTable load_language_table(const JudgeStackConfig& config);

class JudgeStack {
 public:
  explicit JudgeStack(const JudgeStackConfig& config);
  JudgeStack(const JudgeStack&) = delete;
  JudgeStack& operator=(const JudgeStack&) = delete;

  const LanguageTable languages;
  sandbox::Sandbox sandbox;
  CompileCache cache;
  Judge judge;
  // What preparing precompiled headers, class-data archives and spare compilers did, and which
  // languages have spares, for logs.
  const std::string pch_report;
};

}  // namespace codearena::judge
