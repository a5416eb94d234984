#include "tests/judge/judge_test_support.h"

#include <sstream>

#include "sandbox/fs_util.h"

namespace judge = codearena::judge;
namespace sb = codearena::sandbox;

const char kPchDir[] = "/var/cache/codearena/pch";

Sandbox& judge_sandbox() {
  static Sandbox instance{[] {
    sb::SandboxConfig config;
    config.slots = kJudgeSlots;
    config.binds = sb::default_read_only_binds();
    sb::make_dirs(kPchDir);
    config.binds.push_back({kPchDir, false});
    return config;
  }()};
  return instance;
}

const LanguageTable& real_languages() {
  static const LanguageTable table = LanguageTable::load(judge::default_language_table_path());
  return table;
}

CompileCache& judge_cache() {
  static CompileCache cache;
  return cache;
}

Judge& shared_judge() {
  static Judge judge(judge_sandbox(), real_languages(), judge_cache(), kPchDir);
  return judge;
}

Judge& cpp_ready_judge() {
  static const std::string report = shared_judge().prepare_precompiled_headers();
  (void)report;
  return shared_judge();
}

std::vector<TestCase> sum_tests() {
  return {{"1 2\n", "3\n"}, {"10 20\n", "30\n"}};
}

std::string describe(const JudgeResult& result) {
  std::ostringstream text;
  text << "verdict=" << verdict_code(result.verdict) << " language=" << result.language
       << " passed=" << result.passed << "/" << result.total << " max_cpu_ms=" << result.max_cpu_ms
       << " max_memory_kb=" << result.max_memory_kb << " cached=" << result.compile_cached
       << " message='" << result.message
       << "'\ncompile output: " << result.compile_output.substr(0, 800);
  for (size_t i = 0; i < result.tests.size(); ++i) {
    const auto& test = result.tests[i];
    text << "\ntest " << i + 1 << ": " << verdict_code(test.verdict) << " cpu_ms=" << test.cpu_ms
         << " wall_ms=" << test.wall_ms << " memory_kb=" << test.memory_kb
         << " exit_code=" << test.exit_code << " signal=" << test.signal << " message='"
         << test.message << "'\n  stdout (" << test.stdout_data.size()
         << " bytes): " << test.stdout_data.substr(0, 300) << "\n  stderr ("
         << test.stderr_data.size() << " bytes): " << test.stderr_data.substr(0, 600);
  }
  return text.str();
}
