#include "app/judge_command.h"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>

#include "app/result_json.h"
#include "common/json_text.h"
#include "common/setting_text.h"
#include "http/job_json.h"
#include "judge/class_data_archives.h"
#include "judge/judge.h"
#include "judge/judge_stack.h"
#include "judge/precompiled_headers.h"
#include "sandbox/errors.h"
#include "sandbox/fs_util.h"
#include "sandbox/units.h"

namespace codearena::app {
namespace {

using nlohmann::json;
namespace sb = codearena::sandbox;

// Each parallel test needs a sandbox slot: its own uid, cgroup and keeper process.
constexpr int kMaxParallelTests = 64;

class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct JudgeOptions {
  judge::JudgeRequest request;
  std::string languages_path;
};

std::string read_file_argument(const std::string& flag, const std::string& path) {
  try {
    return sb::read_text_file(path);
  } catch (const sb::SandboxError& error) {
    throw UsageError(flag + ": " + error.what());
  }
}

// N.in / N.out pairs of a folder, in numeric order of N.
std::vector<judge::TestCase> read_tests(const std::string& dir) {
  std::vector<long> numbers;
  DIR* listing = ::opendir(dir.c_str());
  if (listing == nullptr) throw UsageError("--tests: cannot read folder '" + dir + "'");
  while (const dirent* entry = ::readdir(listing)) {
    const std::string name = entry->d_name;
    if (name.size() > 3 && name.compare(name.size() - 3, 3, ".in") == 0 &&
        name.find_first_not_of("0123456789") == name.size() - 3) {
      numbers.push_back(std::stol(name.substr(0, name.size() - 3)));
    }
  }
  ::closedir(listing);
  if (numbers.empty()) throw UsageError("--tests: no N.in files in '" + dir + "'");
  std::sort(numbers.begin(), numbers.end());
  std::vector<judge::TestCase> tests;
  for (const long n : numbers) {
    const auto stem = dir + "/" + std::to_string(n);
    judge::TestCase test{read_file_argument("--tests", stem + ".in"), std::nullopt};
    if (sb::path_exists(stem + ".out"))
      test.expected_output = read_file_argument("--tests", stem + ".out");
    tests.push_back(std::move(test));
  }
  return tests;
}

JudgeOptions parse(const std::vector<std::string>& args) {
  JudgeOptions options;
  auto& request = options.request;
  std::string source_path;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& flag = args[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
      return args[++i];
    };
    try {
      if (flag == "--lang")
        request.language = value();
      else if (flag == "--source")
        source_path = value();
      else if (flag == "--stdin")
        request.stdin_input = read_file_argument(flag, value());
      else if (flag == "--tests")
        request.tests = read_tests(value());
      else if (flag == "--time")
        request.limits.cpu_ms = sb::parse_duration_ms(value());
      else if (flag == "--memory")
        request.limits.memory_bytes = sb::parse_size(value());
      else if (flag == "--output")
        request.limits.output_bytes = sb::parse_size(value());
      else if (flag == "--checker") {
        const auto kind = judge::parse_checker_kind(value());
        if (!kind) throw UsageError("--checker: use default, exact, tokens, float or custom");
        request.checker.kind = *kind;
      } else if (flag == "--epsilon") {
        request.checker.absolute_epsilon = request.checker.relative_epsilon = std::stod(value());
      } else if (flag == "--checker-lang")
        request.checker.custom_language = value();
      else if (flag == "--checker-source")
        request.checker.custom_source = read_file_argument(flag, value());
      else if (flag == "--stop-on-failure")
        request.stop_on_first_failure = true;
      else if (flag == "--parallel") {
        const auto text = value();
        const int64_t parallel = common::parse_whole_number(text, 1);
        if (parallel > kMaxParallelTests) {
          throw UsageError("--parallel wants a whole number from 1 to " +
                           std::to_string(kMaxParallelTests) + ", got '" + text + "'");
        }
        request.parallel_tests = static_cast<int>(parallel);
      } else if (flag == "--languages")
        options.languages_path = value();
      else
        throw UsageError("unknown option '" + flag + "'");
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& error) {
      throw UsageError(flag + ": " + error.what());
    }
  }
  if (request.language.empty()) throw UsageError("--lang is required");
  if (source_path.empty()) throw UsageError("--source is required");
  request.source = read_file_argument("--source", source_path);
  if (request.checker.kind == judge::CheckerKind::kCustom &&
      (request.checker.custom_language.empty() || request.checker.custom_source.empty())) {
    throw UsageError("--checker custom needs --checker-lang and --checker-source");
  }
  return options;
}

json test_json(size_t index, const judge::TestResult& test) {
  return {{"index", index},
          {"verdict", judge::verdict_code(test.verdict)},
          {"cpuMs", test.cpu_ms},
          {"wallMs", test.wall_ms},
          {"memoryKb", test.memory_kb},
          // No exit status when a signal ended the program: 0 would read as success.
          {"exitCode", test.signal == 0 ? json(test.exit_code) : json()},
          {"signal", test.signal != 0 ? json(sb::signal_name(test.signal)) : json()},
          {"stdout", test.stdout_data},
          {"stderr", test.stderr_data},
          {"limitExceeded", test.limit_exceeded.empty() ? json() : json(test.limit_exceeded)},
          {"message", test.message}};
}

json result_json(const judge::JudgeResult& result) {
  json tests = json::array();
  for (size_t i = 0; i < result.tests.size(); ++i) tests.push_back(test_json(i, result.tests[i]));
  return {{"verdict", judge::verdict_code(result.verdict)},
          {"language", result.language},
          {"compileOutput", result.compile_output},
          {"compileCached", result.compile_cached},
          {"passed", result.passed},
          {"total", result.total},
          {"skipped", result.skipped},
          {"maxCpuMs", result.max_cpu_ms},
          {"maxMemoryKb", result.max_memory_kb},
          {"message", result.message},
          {"limits",
           {{"timeMs", result.limits.cpu_ms},
            {"wallTimeMs", result.limits.wall_limit_ms()},
            {"memoryBytes", result.limits.memory_bytes},
            {"outputBytes", result.limits.output_bytes}}},
          {"tests", tests}};
}

std::string languages_path(const std::string& configured) {
  return configured.empty() ? judge::default_language_table_path() : configured;
}

}  // namespace

const char* judge_usage() {
  return R"(usage: codearena judge --lang LANG --source FILE [--stdin FILE | --tests DIR] [options]

Compiles FILE once (inside the sandbox) and runs it on the stdin FILE, or on every test of DIR
(N.in with optional N.out, in numeric order), and prints the job result as JSON:
  {"verdict","language","compileOutput","compileCached","passed","total","skipped","maxCpuMs",
   "maxMemoryKb","message","limits","tests":[{"index","verdict","cpuMs","wallMs","memoryKb",
   "exitCode","signal","stdout","stderr","limitExceeded","message"}]}
Tests are numbered from 0 (index, and "test 0" in messages), in the order of DIR's files.
Verdicts: AC, WA, TLE, MLE, OLE, RE, CE, SV (blocked system call), IE (system failure);
SKIPPED for tests not run after a failure under --stop-on-failure. TLE is decided by CPU time
(limitExceeded "cpu_time"); "wall_time" means the program slept or blocked past the wall limit.

Options:
  --time DURATION, --memory SIZE, --output SIZE   limits (language defaults; capped by its maxima)
  --checker KIND        default (ignore trailing whitespace), exact, tokens, float, custom
  --epsilon X           tolerance of the float checker (absolute and relative; 1e-6)
  --checker-lang LANG --checker-source FILE
                        custom checker program; it runs with input.txt expected.txt actual.txt
                        and exits 0 for accepted, 1 for wrong answer
  --stop-on-failure     stop at the first test that is not accepted
  --parallel N          run up to N tests at once, each on a sandbox slot of its own (1);
                        the results are the same as one at a time
  --languages FILE      language table (default: config/languages.json, or $CODEARENA_LANGUAGES)
Environment: COMPILE_TIME_LIMIT overrides every language's compile time limit (e.g. "30s").
)";
}

int judge_command(const std::vector<std::string>& args) {
  JudgeOptions options;
  try {
    options = parse(args);
  } catch (const UsageError& error) {
    std::cerr << "codearena judge: " << error.what() << "\n\n" << judge_usage();
    return 2;
  }
  try {
    judge::JudgeStackConfig config;
    config.slots = options.request.parallel_tests;
    config.languages_path = languages_path(options.languages_path);
    if (const char* compile_time = std::getenv("COMPILE_TIME_LIMIT");
        compile_time && *compile_time) {
      config.compile_time_limit_ms = sb::parse_duration_ms(compile_time);
    }
    judge::JudgeStack stack(config);
    auto& judge = stack.judge;
    std::cout << common::lossy_json_text(result_json(judge.judge(options.request))) << std::endl;
    return 0;
  } catch (const sb::SandboxError& error) {
    std::cerr << "codearena judge: " << error.what() << "\n";
    return 1;
  } catch (const std::invalid_argument& error) {  // JudgeError, or a bad COMPILE_TIME_LIMIT.
    std::cerr << "codearena judge: " << error.what() << "\n";
    return 2;
  }
}

namespace {

// The table named by `args` (empty or "--languages FILE"), or nothing after printing the usage.
std::optional<judge::LanguageTable> table_from_args(const std::vector<std::string>& args,
                                                    const char* command) {
  std::string path;
  if (args.size() == 2 && args[0] == "--languages") {
    path = args[1];
  } else if (!args.empty()) {
    std::cerr << "usage: codearena " << command << " [--languages FILE]\n";
    return std::nullopt;
  }
  return judge::LanguageTable::load(languages_path(path));
}

}  // namespace

int languages_command(const std::vector<std::string>& args) {
  try {
    const auto table = table_from_args(args, "languages");
    if (!table) return 2;
    const json list = http::languages_json(*table)["languages"];
    std::cout << common::lossy_json_text(list, 2) << std::endl;
    return 0;
  } catch (const sb::SandboxError& error) {
    std::cerr << "codearena languages: " << error.what() << "\n";
    return 1;
  }
}

int prepare_command(const std::vector<std::string>& args) {
  try {
    const auto table = table_from_args(args, "prepare");
    if (!table) return 2;
    const auto dir = judge::JudgeStackConfig{}.pch_dir;
    std::cout << dir << ": " << judge::prepare_precompiled_headers(*table, dir)
              << judge::prepare_class_data_archives(*table, dir)
              << judge::prepare_spare_compilers(*table, dir) << std::endl;
    return 0;
  } catch (const sb::SandboxError& error) {
    std::cerr << "codearena prepare: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace codearena::app
