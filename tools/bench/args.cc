// ArgReader: see args.h.
#include "tools/bench/args.h"

#include <cstdio>
#include <iostream>

#include "common/setting_text.h"

namespace codearena::bench {

bool ArgReader::take_flag(const char* name, bool* value) {
  if (!at(name)) return false;
  ++next_;
  *value = true;
  return true;
}

bool ArgReader::take_number(const char* name, int64_t* value, int64_t minimum) {
  if (!at(name)) return false;
  const std::string& text = value_of(name);
  try {
    *value = common::parse_whole_number(text, minimum);
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string(name) + ": " + error.what());
  }
  return true;
}

bool ArgReader::take_text(const char* name, std::string* value) {
  if (!at(name)) return false;
  *value = value_of(name);
  if (value->empty()) throw UsageError(std::string(name) + " wants a non-empty value");
  return true;
}

double positive_number(const char* name, const std::string& text) {
  try {
    return common::parse_positive_number(text);
  } catch (const std::invalid_argument& error) {
    throw UsageError(std::string(name) + ": " + error.what());
  }
}

void ArgReader::reject() const {
  throw UsageError("unknown argument '" + args_[next_] + "'");
}

const std::string& ArgReader::value_of(const char* name) {
  if (next_ + 1 >= args_.size()) throw UsageError(std::string(name) + " needs a value");
  next_ += 2;
  return args_[next_ - 1];
}

int run_subcommand(const char* name, const char* usage, const std::function<int()>& body) {
  try {
    return body();
  } catch (const UsageError& error) {
    std::cerr << "codearena-bench " << name << ": " << error.what() << "\n\n" << usage;
    return 2;
  } catch (const std::exception& error) {
    std::fflush(stdout);
    std::cerr << "codearena-bench " << name << ": " << error.what() << "\n";
    return 1;
  }
}

JudgeBenchOptions parse_judge_bench_options(const std::vector<std::string>& raw) {
  JudgeBenchOptions options;
  ArgReader args(raw);
  while (!args.done()) {
    if (args.take_number("--runs", &options.runs) ||
        args.take_number("--warmup", &options.warmup, 0) ||
        args.take_text("--pch-dir", &options.pch_dir) ||
        args.take_text("--languages", &options.languages) ||
        args.take_flag("--spares", &options.spares) ||
        args.take_number("--gap-ms", &options.gap_ms, 0) ||
        args.take_number("--back-to-back", &options.back_to_back, 0) ||
        args.take_flag("--api", &options.api)) {
      continue;
    }
    std::string only;
    if (args.take_text("--only", &only)) {
      options.only.push_back(only);
      continue;
    }
    std::string setting;
    if (args.take_text("--api-setting", &setting)) {
      if (setting.find('=') == std::string::npos || setting.front() == '=') {
        throw UsageError("--api-setting wants NAME=value, got '" + setting + "'");
      }
      options.api_settings.push_back(setting);
      continue;
    }
    args.reject();
  }
  return options;
}

}  // namespace codearena::bench
