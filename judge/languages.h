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
#include <string_view>
#include <vector>

#include "sandbox/run_spec.h"

namespace codearena::judge {

// The built-in scanners that find the main class in a source, named by a language's
// "mainClass" ("java"). Sources are untrusted: a scanner is a single pass with constant stack.
enum class MainClassScanner { kNone, kJava };

// An archive of the classes a compiler running on a JVM loads (class-data sharing), built once
// per node by compiling `sample` with the option `create` and loaded by every compile through
// the option `use`. Both options contain {archive}, the archive's path.
struct ClassDataArchive {
  std::string create;
  std::string use;
  std::string sample;

  bool wanted() const { return !create.empty(); }
};

// A compiler running on a JVM that is started and warmed ahead of a job, then used for that one
// job only (judge/spare_compilers.h). `jvm` is the launcher that runs it; the compile command's
// `-J` options become its options, the rest javac's. It warms by compiling the class-data
// archive's sample `warmups` times.
struct SpareCompilerSpec {
  std::string jvm;
  int64_t warmups = 0;

  bool wanted() const { return !jvm.empty(); }
};

struct Language {
  std::string id;
  std::string name;
  std::vector<std::string> aliases;
  std::string source_name;  // May contain {class}; then default_class is set.
  MainClassScanner main_class_scanner = MainClassScanner::kNone;
  std::string default_class;           // {class} when the scanner finds nothing (or there is none).
  std::vector<std::string> compile;    // Empty for interpreted languages.
  std::vector<std::string> artifacts;  // Files (wildcards allowed) a compilation leaves for runs.
  std::vector<std::string> run;
  std::vector<std::string> version_command;
  std::string version;                  // First line the version command printed, or "unknown".
  std::string precompiled_header;       // A header to precompile for the compile flags (C++).
  ClassDataArchive class_data_archive;  // javac's classes, for {class_data_archive}.
  SpareCompilerSpec spare_compiler;
  std::string memory_error_pattern;     // stderr text meaning the runtime ran out of its heap.
  int64_t heap_reserve_mb = 0;
  sandbox::NetworkCalls network_calls = sandbox::NetworkCalls::kViolation;
  sandbox::RunLimits compile_limits;
  sandbox::RunLimits default_limits;
  sandbox::RunLimits max_limits;

  bool compiled() const { return !compile.empty(); }
};

// Values substituted into a language's commands.
struct CommandValues {
  std::string source;
  std::string main_class;
  int64_t memory_mb = 0;
  int64_t heap_reserve_mb = 0;
  std::string pch_include;         // "-I<dir>" when a precompiled header is ready, else empty.
  std::string class_data_archive;  // The option that loads the archive when it is ready.
};

// `text` with every `from` replaced by `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to);

// Expands {source}, {class}, {memory_mb}, {heap_mb}, {pch_include} and {class_data_archive} in
// every argument; arguments that expand to nothing are dropped.
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

// The longest main class name the scanners return: "<name>.class" must fit in a file name
// (255 bytes).
constexpr size_t kMaxClassNameBytes = 249;

// The name of the first public top-level type of a Java source: `public`, then any of
// `abstract`, `final`, `strictfp`, `sealed`, `non-sealed` and annotations, then `class`,
// `interface`, `enum`, `record` or `@interface`, then the name. Comments (`//`, `/* */`) and
// string, character and text-block (`"""`) literals are skipped, and so is everything inside
// braces. Returns "" when there is no such declaration or its name is not an ASCII Java
// identifier (letters, digits, `_`, `$`; not starting with a digit) of at most
// kMaxClassNameBytes bytes; the compiler then reports the mismatch. Unicode escapes (`\u0041`)
// are not decoded. Any bytes are accepted (NUL, invalid UTF-8): one pass, O(n) time, constant
// stack, never throws except std::bad_alloc.
std::string find_java_main_class(std::string_view source);

// The main class of `source` in `language`: what its scanner finds, else its default class.
std::string find_main_class(const Language& language, std::string_view source);

}  // namespace codearena::judge
