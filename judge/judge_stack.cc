#include "judge/judge_stack.h"

#include "sandbox/fs_util.h"

namespace codearena::judge {
namespace {

sandbox::SandboxConfig sandbox_config(const JudgeStackConfig& config) {
  sandbox::SandboxConfig sandbox;
  // A spare compiler holds a slot of its own until its job: the jobs keep theirs.
  sandbox.slots = config.slots + (config.spare_compilers ? 1 : 0);
  sandbox.binds = sandbox::default_read_only_binds();
  if (!config.pch_dir.empty()) {
    sandbox::make_dirs(config.pch_dir);
    sandbox.binds.push_back({config.pch_dir, false});
  }
  return sandbox;
}

// Sets the compile time limit, builds what the table asks for and starts the spare compilers
// the configuration asks for, in this order (spares take the limit); says what it did.
std::string prepared(Judge& judge, const JudgeStackConfig& config) {
  if (config.compile_time_limit_ms) judge.set_compile_time_limit(*config.compile_time_limit_ms);
  std::string report = judge.prepare_precompiled_headers();
  report += judge.prepare_class_data_archives();
  if (!config.spare_compilers) return report;
  report += judge.prepare_spare_compilers();
  const auto languages = judge.start_spare_compilers(config.spare_max_wait_ms);
  return report + "spare compilers: " + (languages.empty() ? "none" : languages) + "; ";
}

}  // namespace

LanguageTable load_language_table(const JudgeStackConfig& config) {
  return LanguageTable::load(config.languages_path.empty() ? default_language_table_path()
                                                           : config.languages_path);
}

JudgeStack::JudgeStack(const JudgeStackConfig& config)
    : languages(load_language_table(config)),
      sandbox(sandbox_config(config)),
      judge(sandbox, languages, cache, config.pch_dir),
      pch_report(prepared(judge, config)) {}

}  // namespace codearena::judge
