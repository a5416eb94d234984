#include "judge/languages.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"
#include "sandbox/sandbox.h"
#include "sandbox/units.h"

namespace codearena::judge {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

namespace {

using nlohmann::json;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
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

bool is_ascii_letter_or_digit(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// A byte of a Java identifier, keyword or number. Bytes of non-ASCII characters count, so a
// Unicode name is one word (which find_java_main_class then refuses) rather than several.
bool is_java_word_byte(char c) {
  return is_ascii_letter_or_digit(c) || c == '_' || c == '$' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool is_valid_class_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxClassNameBytes || (name[0] >= '0' && name[0] <= '9'))
    return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_ascii_letter_or_digit(c) || c == '_' || c == '$'; });
}

// Where a quoted literal that starts at `from` (past its opening quote) ends: past the closing
// `quote`, or at the end of the line (the compiler reports the unterminated literal).
size_t end_of_quoted(std::string_view source, size_t from, char quote) {
  for (size_t i = from; i < source.size(); ++i) {
    if (source[i] == '\\') {
      ++i;
    } else if (source[i] == quote) {
      return i + 1;
    } else if (source[i] == '\n') {
      return i;
    }
  }
  return source.size();
}

// Where a text block that starts at `from` (past its opening """) ends: past the closing """.
size_t end_of_text_block(std::string_view source, size_t from) {
  for (size_t i = from; i < source.size(); ++i) {
    if (source[i] == '\\') {
      ++i;
    } else if (source.compare(i, 3, R"(""")") == 0) {
      return i + 3;
    }
  }
  return source.size();
}

// Follows the declarations at the top level of a Java source, fed its tokens in order (words,
// and every other character that is not space or inside a comment or literal), until the
// first public type names itself. Constant state: a brace depth, a parenthesis depth and
// where it is in `public <modifiers and annotations> <type keyword> <name>`.
class JavaTopLevel {
 public:
  // Feeds a word. Returns true when it is the name of the first public type.
  bool word(std::string_view text) {
    if (depth_ > 0) return false;
    switch (state_) {
      case State::kIdle:
        if (text == "public") state_ = State::kModifiers;
        return false;
      case State::kModifiers:
      case State::kAfterAnnotation:
        if (is_type_keyword(text)) {
          state_ = State::kName;
        } else if (text == "non") {
          state_ = State::kNon;  // non-sealed
        } else if (!is_modifier(text)) {
          state_ = State::kIdle;
        }
        return false;
      case State::kAnnotation:
        state_ = text == "interface" ? State::kName : State::kAfterAnnotation;
        return false;
      case State::kNonDash:
        state_ = text == "sealed" ? State::kModifiers : State::kIdle;
        return false;
      case State::kNon:
        state_ = State::kIdle;
        return false;
      case State::kAnnotationArguments:
        return false;
      case State::kName:
        return true;
    }
    return false;
  }

  // Feeds a character that is not part of a word (a literal counts as one: '"').
  void symbol(char c) {
    if (state_ == State::kAnnotationArguments) {
      if (c == '(') {
        ++parentheses_;
      } else if (c == ')' && --parentheses_ == 0) {
        state_ = State::kModifiers;
      }
      return;
    }
    if (c == '{' || c == '}') {
      if (c == '{') {
        ++depth_;
      } else if (depth_ > 0) {
        --depth_;
      }
      state_ = State::kIdle;
      return;
    }
    if (depth_ > 0) return;
    if (c == '@' && (state_ == State::kModifiers || state_ == State::kAfterAnnotation)) {
      state_ = State::kAnnotation;
    } else if (c == '.' && state_ == State::kAfterAnnotation) {
      state_ = State::kAnnotation;  // @java.lang.Deprecated
    } else if (c == '(' && state_ == State::kAfterAnnotation) {
      state_ = State::kAnnotationArguments;
      parentheses_ = 1;
    } else if (c == '-' && state_ == State::kNon) {
      state_ = State::kNonDash;
    } else {
      state_ = State::kIdle;
    }
  }

 private:
  enum class State {
    kIdle,
    kModifiers,            // After `public` and any modifiers and annotations.
    kAnnotation,           // After `@` among the modifiers.
    kAfterAnnotation,      // After an annotation's name.
    kAnnotationArguments,  // Inside an annotation's parentheses.
    kNon,                  // After `non` among the modifiers.
    kNonDash,              // After `non-`.
    kName,                 // After the type keyword.
  };

  static bool is_type_keyword(std::string_view text) {
    return text == "class" || text == "interface" || text == "enum" || text == "record";
  }
  static bool is_modifier(std::string_view text) {
    return text == "abstract" || text == "final" || text == "strictfp" || text == "sealed";
  }

  State state_ = State::kIdle;
  size_t depth_ = 0;        // Of braces.
  size_t parentheses_ = 0;  // Inside an annotation's arguments.
};

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

  MainClassScanner main_class_scanner(const char* field) const {
    const auto name = text(field, false);
    if (name.empty()) return MainClassScanner::kNone;
    if (name == "java") return MainClassScanner::kJava;
    fail(field, "names no built-in scanner: \"" + name + "\" (known: \"java\")");
  }

  ClassDataArchive class_data_archive(const char* field) const {
    if (!entry_.contains(field)) return {};
    if (!entry_[field].is_object()) fail(field, "must be an object");
    const EntryReader inner(entry_[field], where_ + ": \"" + field + "\"");
    ClassDataArchive archive{inner.text("create", true), inner.text("use", true),
                             inner.text("sample", true)};
    for (const auto* option : {&archive.create, &archive.use}) {
      if (option->find("{archive}") == std::string::npos)
        fail(field, "needs {archive} in \"create\" and \"use\"");
    }
    return archive;
  }

  SpareCompilerSpec spare_compiler(const char* field) const {
    if (!entry_.contains(field)) return {};
    if (!entry_[field].is_object()) fail(field, "must be an object");
    const EntryReader inner(entry_[field], where_ + ": \"" + field + "\"");
    SpareCompilerSpec spec{inner.text("jvm", true), inner.number("warmups", 2)};
    if (spec.jvm.empty() || spec.jvm[0] != '/') fail(field, "needs an absolute \"jvm\" path");
    if (spec.warmups < 1 || spec.warmups > 20) fail(field, "needs \"warmups\" from 1 to 20");
    return spec;
  }

  sandbox::RunLimits limits(const char* field, sandbox::RunLimits base) const {
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
    throw sandbox::SandboxError(where_ + ": \"" + field + "\" " + what);
  }

 private:
  static int64_t size_of(const json& value) {
    return value.is_string() ? sandbox::parse_size(value.get<std::string>()) : value.get<int64_t>();
  }

  const json& entry_;
  std::string where_;
};

Language read_language(const json& entry, const std::string& where) {
  if (!entry.is_object())
    throw sandbox::SandboxError(where + ": each language must be a JSON object");
  const EntryReader read(entry, where);
  Language language;
  language.id = lower(read.text("id", true));
  language.name = read.text("name", true);
  language.aliases = read.texts("aliases", false);
  language.source_name = read.text("source", true);
  if (entry.contains("classPattern")) {
    read.fail("classPattern", "is no longer read: name a built-in scanner with \"mainClass\"");
  }
  language.main_class_scanner = read.main_class_scanner("mainClass");
  language.default_class = read.text("defaultClass", false);
  language.compile = read.texts("compile", false);
  language.artifacts = read.texts("artifacts", false);
  language.run = read.texts("run", true);
  language.version_command = read.texts("version", false);
  language.precompiled_header = read.text("precompiledHeader", false);
  language.class_data_archive = read.class_data_archive("classDataArchive");
  language.spare_compiler = read.spare_compiler("spareCompiler");
  language.memory_error_pattern = read.text("memoryErrorPattern", false);
  language.heap_reserve_mb = read.number("heapReserveMb", 0);
  const auto network = read.text("networkCalls", false);
  if (!network.empty() && network != "violation" && network != "refuse") {
    read.fail("networkCalls", "must be \"violation\" or \"refuse\"");
  }
  language.network_calls =
      network == "refuse" ? sandbox::NetworkCalls::kRefuse : sandbox::NetworkCalls::kViolation;
  if (language.compiled() && language.artifacts.empty()) {
    read.fail("artifacts", "is needed when there is a compile command");
  }
  if (language.class_data_archive.wanted() && !language.compiled()) {
    read.fail("classDataArchive", "needs a compile command to load it");
  }
  if (language.spare_compiler.wanted() && !language.class_data_archive.wanted()) {
    read.fail("spareCompiler", "needs a \"classDataArchive\" (its sample warms the compiler)");
  }
  if (language.source_name.find('/') != std::string::npos)
    read.fail("source", "must be a plain file name");
  if (language.source_name.find("{class}") != std::string::npos && language.default_class.empty())
    read.fail("defaultClass", "is needed when \"source\" contains {class}");
  sandbox::RunLimits compile_defaults;
  compile_defaults.cpu_ms = 30'000;
  compile_defaults.memory_bytes = 512LL << 20;
  compile_defaults.pids = 32;
  compile_defaults.cpu_cores = 1;
  language.compile_limits = read.limits("compileLimits", compile_defaults);
  language.default_limits = read.limits("limits", sandbox::RunLimits{});
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
    arg = replace_all(arg, "{class_data_archive}", values.class_data_archive);
    if (!arg.empty()) expanded.push_back(arg);
  }
  return expanded;
}

LanguageTable LanguageTable::load(const std::string& path, bool detect_versions) {
  std::string text;
  try {
    text = sandbox::read_text_file(path);
  } catch (const sandbox::SandboxError& error) {
    throw sandbox::SandboxError(std::string("language table: ") + error.what());
  }
  return parse(text, path, detect_versions);
}

LanguageTable LanguageTable::parse(const std::string& json_text, const std::string& origin,
                                   bool detect_versions) {
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::exception& error) {  // Also a number too large for a double (1e309).
    throw sandbox::SandboxError(origin + ": not valid JSON: " + error.what());
  }
  if (!document.is_object() || !document.contains("languages") ||
      !document["languages"].is_array()) {
    throw sandbox::SandboxError(origin + ": expected an object with a \"languages\" list");
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
        throw sandbox::SandboxError(where + ": the name \"" + name +
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
  const auto installed = sandbox::executable_dir() + "/../share/codearena/languages.json";
  if (sandbox::path_exists(installed)) return installed;
  return CODEARENA_SOURCE_DIR "/config/languages.json";
}

std::string find_java_main_class(std::string_view source) {
  JavaTopLevel top_level;
  size_t i = 0;
  while (i < source.size()) {
    const char c = source[i];
    const char next = i + 1 < source.size() ? source[i + 1] : '\0';
    if (c == '/' && next == '/') {
      i = source.find('\n', i + 2);
      if (i == std::string_view::npos) break;
    } else if (c == '/' && next == '*') {
      i = source.find("*/", i + 2);
      if (i == std::string_view::npos) break;
      i += 2;
    } else if (source.compare(i, 3, R"(""")") == 0) {
      i = end_of_text_block(source, i + 3);
      top_level.symbol('"');
    } else if (c == '"' || c == '\'') {
      i = end_of_quoted(source, i + 1, c);
      top_level.symbol('"');
    } else if (is_java_word_byte(c)) {
      size_t end = i + 1;
      while (end < source.size() && is_java_word_byte(source[end])) ++end;
      const auto word = source.substr(i, end - i);
      if (top_level.word(word)) return is_valid_class_name(word) ? std::string(word) : "";
      i = end;
    } else {
      if (c != ' ' && (c < '\t' || c > '\r')) top_level.symbol(c);
      ++i;
    }
  }
  return "";
}

std::string find_main_class(const Language& language, std::string_view source) {
  std::string found;
  if (language.main_class_scanner == MainClassScanner::kJava) found = find_java_main_class(source);
  return found.empty() ? language.default_class : found;
}

}  // namespace codearena::judge
