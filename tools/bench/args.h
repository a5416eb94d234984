// Command-line flags of the codearena-bench subcommands.
//
// ArgReader walks a subcommand's arguments one flag at a time; each take_* call consumes the
// current flag (and its value) when the name matches. Bad or unknown flags throw UsageError.
//
//   ArgReader args(raw);
//   while (!args.done()) {
//     if (args.take_number("--runs", &runs) || args.take_flag("--verbose", &verbose)) continue;
//     args.reject();
//   }
#pragma once

#include <functional>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace codearena::bench {

class UsageError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class ArgReader {
 public:
  explicit ArgReader(std::vector<std::string> args) : args_(std::move(args)) {}

  bool done() const { return next_ >= args_.size(); }
  // A flag without a value: sets *value to true.
  bool take_flag(const char* name, bool* value);
  // A flag with a whole number >= minimum.
  bool take_number(const char* name, int64_t* value, int64_t minimum = 1);
  // A flag with any non-empty text.
  bool take_text(const char* name, std::string* value);
  // Throws UsageError naming the current (unrecognised) argument.
  [[noreturn]] void reject() const;

 private:
  bool at(const char* name) const { return !done() && args_[next_] == name; }
  const std::string& value_of(const char* name);

  std::vector<std::string> args_;
  size_t next_ = 0;
};

// `text`, the value of flag `name`, as a finite number above zero; throws UsageError naming the
// flag otherwise.
double positive_number(const char* name, const std::string& text);

// Runs a subcommand's body and turns its errors into the exit code: a UsageError prints the
// message and `usage` and gives 2, any other exception prints the message and gives 1.
int run_subcommand(const char* name, const char* usage, const std::function<int()>& body);

// The options of the benchmarks that judge through the language table (compile, languages).
struct JudgeBenchOptions {
  int64_t runs = 10;
  int64_t warmup = 1;
  std::string pch_dir = "/var/cache/codearena/pch";
  std::string languages;
  std::vector<std::string> only;  // Language ids (--only, repeatable): time just these.
  bool spares = false;            // Judge with spare compilers.
  int64_t gap_ms = 0;             // Least idle time before each judged job with a new source.
  int64_t back_to_back = 0;       // Judged jobs with a new source in a row, after the table.
  bool api = false;               // Judge through a `codearena serve` node's HTTP API.
  std::vector<std::string> api_settings;  // "NAME=value" settings of that node.
};

// Reads --runs, --warmup, --pch-dir, --languages, --only (repeatable), --spares, --gap-ms,
// --back-to-back, --api and --api-setting (repeatable); throws UsageError for anything else.
JudgeBenchOptions parse_judge_bench_options(const std::vector<std::string>& raw);

}  // namespace codearena::bench
