#include "judge/judge_stack.h"

#include "sandbox/fs_util.h"

namespace codearena::judge {
namespace {

sandbox::SandboxConfig sandbox_config(const JudgeStackConfig& config) {
  sandbox::SandboxConfig sandbox;
  sandbox.slots = config.slots;
  sandbox.binds = sandbox::default_read_only_binds();
  if (!config.pch_dir.empty()) {
    sandbox::make_dirs(config.pch_dir);
    sandbox.binds.push_back({config.pch_dir, false});
  }
  return sandbox;
}

Judge& configured(Judge& judge, const JudgeStackConfig& config) {
  if (config.compile_time_limit_ms) judge.set_compile_time_limit(*config.compile_time_limit_ms);
  return judge;
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
      pch_report(configured(judge, config).prepare_precompiled_headers() +
                 judge.prepare_class_data_archives()) {}

}  // namespace codearena::judge
