#include "sandbox/languages.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"
#include "sandbox/sandbox.h"
#include "sandbox/units.h"

namespace codearena::sandbox {
namespace {

using nlohmann::json;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Runs a trusted toolchain command on the host and returns the first line it printed.
std::string first_output_line(const std::vector<std::string>& command) {
  if (command.empty()) return "unknown";
  std::vector<char*> argv;
  for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return "unknown";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::string line = text.substr(0, text.find('\n'));
  return (WIFEXITED(status) && WEXITSTATUS(status) == 0 && !line.empty()) ? line : "unknown";
}

class EntryReader {
 public:
  EntryReader(const json& entry, std::string where) : entry_(entry), where_(std::move(where)) {}

  std::string text(const char* field, bool required) const {
    if (!entry_.contains(field)) {
      if (required) fail(field, "is missing");
      return "";
    }
    if (!entry_[field].is_string()) fail(field, "must be a string");
    return entry_[field].get<std::string>();
  }

  std::vector<std::string> texts(const char* field, bool required) const {
    if (!entry_.contains(field)) {
      if (required) fail(field, "is missing");
      return {};
    }
    const auto& value = entry_[field];
    if (!value.is_array() || value.empty()) fail(field, "must be a non-empty list of strings");
    std::vector<std::string> result;
    for (const auto& item : value) {
      if (!item.is_string()) fail(field, "must be a list of strings");
      result.push_back(item.get<std::string>());
    }
    return result;
  }

  int64_t number(const char* field, int64_t fallback) const {
    if (!entry_.contains(field)) return fallback;
    if (!entry_[field].is_number_integer()) fail(field, "must be a whole number");
    return entry_[field].get<int64_t>();
  }

  RunLimits limits(const char* field, RunLimits base) const {
    if (!entry_.contains(field)) return base;
    const auto& value = entry_[field];
    if (!value.is_object()) fail(field, "must be an object");
    try {
      if (value.contains("time")) base.cpu_ms = value["time"].get<int64_t>();
      if (value.contains("wallTime")) base.wall_ms = value["wallTime"].get<int64_t>();
      if (value.contains("memory")) base.memory_bytes = size_of(value["memory"]);
      if (value.contains("output")) base.output_bytes = size_of(value["output"]);
      if (value.contains("pids")) base.pids = value["pids"].get<int64_t>();
      if (value.contains("cpus")) base.cpu_cores = value["cpus"].get<double>();
    } catch (const std::exception& error) {
      fail(field, std::string("has a bad value: ") + error.what());
    }
    if (const auto problem = base.problem(); !problem.empty()) fail(field, problem);
    return base;
  }

  [[noreturn]] void fail(const std::string& field, const std::string& what) const {
    throw SandboxError(where_ + ": \"" + field + "\" " + what);
  }

 private:
  static int64_t size_of(const json& value) {
    return value.is_string() ? parse_size(value.get<std::string>()) : value.get<int64_t>();
  }

  const json& entry_;
  std::string where_;
};

Language read_language(const json& entry, const std::string& where) {
  if (!entry.is_object()) throw SandboxError(where + ": each language must be a JSON object");
  const EntryReader read(entry, where);
  Language language;
  language.id = lower(read.text("id", true));
  language.name = read.text("name", true);
  language.aliases = read.texts("aliases", false);
  language.source_name = read.text("source", true);
  language.class_pattern = read.text("classPattern", false);
  language.default_class = read.text("defaultClass", false);
  language.compile = read.texts("compile", false);
  language.artifacts = read.texts("artifacts", false);
  language.run = read.texts("run", true);
  language.version_command = read.texts("version", false);
  language.precompiled_header = read.text("precompiledHeader", false);
  language.memory_error_pattern = read.text("memoryErrorPattern", false);
  language.heap_reserve_mb = read.number("heapReserveMb", 0);
  const auto network = read.text("networkCalls", false);
  if (!network.empty() && network != "violation" && network != "refuse") {
    read.fail("networkCalls", "must be \"violation\" or \"refuse\"");
  }
  language.network_calls = network == "refuse" ? NetworkCalls::kRefuse : NetworkCalls::kViolation;
  if (language.compiled() && language.artifacts.empty()) {
    read.fail("artifacts", "is needed when there is a compile command");
  }
  if (language.source_name.find('/') != std::string::npos)
    read.fail("source", "must be a plain file name");
  if (!language.class_pattern.empty()) {
    try {
      std::regex check(language.class_pattern);
    } catch (const std::regex_error& error) {
      read.fail("classPattern", std::string("is not a valid regular expression: ") + error.what());
    }
  }
  RunLimits compile_defaults;
  compile_defaults.cpu_ms = 30'000;
  compile_defaults.memory_bytes = 512LL << 20;
  compile_defaults.pids = 32;
  compile_defaults.cpu_cores = 1;
  language.compile_limits = read.limits("compileLimits", compile_defaults);
  language.default_limits = read.limits("limits", RunLimits{});
  language.max_limits = read.limits("maxLimits", language.default_limits);
  const auto& low = language.default_limits;
  const auto& high = language.max_limits;
  if (low.cpu_ms > high.cpu_ms || low.memory_bytes > high.memory_bytes ||
      low.output_bytes > high.output_bytes) {
    read.fail("limits", "must not be above \"maxLimits\"");
  }
  return language;
}

}  // namespace

std::vector<std::string> expand_command(const std::vector<std::string>& command,
                                        const CommandValues& values) {
  const int64_t heap_mb = std::max<int64_t>(16, values.memory_mb - values.heap_reserve_mb);
  std::vector<std::string> expanded;
  for (auto arg : command) {
    arg = replace_all(arg, "{source}", values.source);
    arg = replace_all(arg, "{class}", values.main_class);
    arg = replace_all(arg, "{memory_mb}", std::to_string(values.memory_mb));
    arg = replace_all(arg, "{heap_mb}", std::to_string(heap_mb));
    arg = replace_all(arg, "{pch_include}", values.pch_include);
    if (!arg.empty()) expanded.push_back(arg);
  }
  return expanded;
}

LanguageTable LanguageTable::load(const std::string& path, bool detect_versions) {
  std::string text;
  try {
    text = read_text_file(path);
  } catch (const SandboxError& error) {
    throw SandboxError(std::string("language table: ") + error.what());
  }
  return parse(text, path, detect_versions);
}

LanguageTable LanguageTable::parse(const std::string& json_text, const std::string& origin,
                                   bool detect_versions) {
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::parse_error& error) {
    throw SandboxError(origin + ": not valid JSON: " + error.what());
  }
  if (!document.is_object() || !document.contains("languages") ||
      !document["languages"].is_array()) {
    throw SandboxError(origin + ": expected an object with a \"languages\" list");
  }
  LanguageTable table;
  for (size_t i = 0; i < document["languages"].size(); ++i) {
    const auto& entry = document["languages"][i];
    const auto where = origin + ": language " + std::to_string(i + 1) +
                       (entry.contains("id") && entry["id"].is_string()
                            ? " (" + entry["id"].get<std::string>() + ")"
                            : "");
    Language language = read_language(entry, where);
    if (detect_versions) language.version = first_output_line(language.version_command);
    std::vector<std::string> names = language.aliases;
    names.push_back(language.id);
    for (const auto& name : names) {
      if (!table.index_.emplace(lower(name), table.languages_.size()).second) {
        throw SandboxError(where + ": the name \"" + name +
                           "\" is already used by another language");
      }
    }
    table.languages_.push_back(std::move(language));
  }
  return table;
}

const Language* LanguageTable::find(const std::string& id_or_alias) const {
  const auto found = index_.find(lower(id_or_alias));
  return found == index_.end() ? nullptr : &languages_[found->second];
}

std::string default_language_table_path() {
  if (const char* configured = std::getenv("CODEARENA_LANGUAGES"); configured && *configured) {
    return configured;
  }
  const auto installed = executable_dir() + "/../share/codearena/languages.json";
  if (path_exists(installed)) return installed;
  return CODEARENA_SOURCE_DIR "/config/languages.json";
}

std::string find_main_class(const std::string& source, const std::string& pattern,
                            const std::string& fallback) {
  if (pattern.empty()) return fallback;
  std::smatch match;
  const std::regex expression(pattern);
  if (std::regex_search(source, match, expression) && match.size() > 1) return match[1].str();
  return fallback;
}

}  // namespace codearena::sandbox
