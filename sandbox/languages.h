// The language table: how to compile and run each supported language in the sandbox.
//
// Loaded from a JSON data file (config/languages.json; operators add languages by editing it),
// with every toolchain's version detected at load by running its version command. A
// LanguageTable is immutable after load and safe to share between threads. Load errors throw
// SandboxError naming the file, the entry and the field.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/run_spec.h"

namespace codearena::sandbox {

struct Language {
  std::string id;
  std::string name;
  std::vector<std::string> aliases;
  std::string source_name;    // May contain {class}.
  std::string class_pattern;  // Regex whose group 1 names the main class (Java); may be empty.
  std::string default_class;
  std::vector<std::string> compile;    // Empty for interpreted languages.
  std::vector<std::string> artifacts;  // Files (wildcards allowed) a compilation leaves for runs.
  std::vector<std::string> run;
  std::vector<std::string> version_command;
  std::string version;               // First line the version command printed, or "unknown".
  std::string precompiled_header;    // A header to precompile for the compile flags (C++).
  std::string memory_error_pattern;  // stderr text meaning the runtime ran out of its heap.
  int64_t heap_reserve_mb = 0;
  NetworkCalls network_calls = NetworkCalls::kViolation;
  RunLimits compile_limits;
  RunLimits default_limits;
  RunLimits max_limits;

  bool compiled() const { return !compile.empty(); }
};

// Values substituted into a language's commands.
struct CommandValues {
  std::string source;
  std::string main_class;
  int64_t memory_mb = 0;
  int64_t heap_reserve_mb = 0;
  std::string pch_include;  // "-I<dir>" when a precompiled header is ready, else empty.
};

// Expands {source}, {class}, {memory_mb}, {heap_mb} and {pch_include} in every argument;
// arguments that expand to nothing are dropped.
std::vector<std::string> expand_command(const std::vector<std::string>& command,
                                        const CommandValues& values);

class LanguageTable {
 public:
  // Parses the table and detects versions (set `detect_versions` false in tests that only parse).
  static LanguageTable load(const std::string& path, bool detect_versions = true);
  static LanguageTable parse(const std::string& json_text, const std::string& origin,
                             bool detect_versions = true);

  // The language with this id or alias (case-insensitive), or nullptr.
  const Language* find(const std::string& id_or_alias) const;
  const std::vector<Language>& all() const { return languages_; }

 private:
  std::vector<Language> languages_;
  std::map<std::string, size_t> index_;  // Lower-case id and aliases -> position.
};

// The table file used when none is configured: $CODEARENA_LANGUAGES, else
// <executable dir>/../share/codearena/languages.json, else the source tree's config/.
std::string default_language_table_path();

// The main class of a Java-like source: group 1 of `pattern`'s first match, else `fallback`.
std::string find_main_class(const std::string& source, const std::string& pattern,
                            const std::string& fallback);

}  // namespace codearena::sandbox
