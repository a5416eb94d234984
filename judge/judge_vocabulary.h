// The judge's words that travel with a job: verdicts and checker kinds, with the names the API,
// the logs and the stored records use for them.
//
// Header-only, so the job types (actors/job_types.h) and the job store can carry them without
// linking the judge. Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "common/enum_names.h"

namespace codearena::judge {

enum class Verdict {
  kAccepted,
  kWrongAnswer,
  kTimeLimit,
  kMemoryLimit,
  kOutputLimit,
  kRuntimeError,
  kCompilationError,
  kSecurityViolation,
  kInternalError,
  // A test case that did not run because an earlier one failed under stop_on_first_failure.
  // Only ever a test's verdict, never a job's.
  kSkipped
};

// Built-in ways to compare a program's output with the expected output.
enum class CheckerKind { kDefault, kExact, kTokens, kFloat, kCustom };

// "AC", "WA", "TLE", "MLE", "OLE", "RE", "CE", "SV", "IE", "SKIPPED".
constexpr const char* verdict_code(Verdict verdict) {
  switch (verdict) {
    case Verdict::kAccepted:
      return "AC";
    case Verdict::kWrongAnswer:
      return "WA";
    case Verdict::kTimeLimit:
      return "TLE";
    case Verdict::kMemoryLimit:
      return "MLE";
    case Verdict::kOutputLimit:
      return "OLE";
    case Verdict::kRuntimeError:
      return "RE";
    case Verdict::kCompilationError:
      return "CE";
    case Verdict::kSecurityViolation:
      return "SV";
    case Verdict::kInternalError:
      return "IE";
    case Verdict::kSkipped:
      return "SKIPPED";
  }
  return "IE";
}

// "default", "exact", "tokens", "float", "custom".
constexpr const char* checker_kind_name(CheckerKind kind) {
  switch (kind) {
    case CheckerKind::kDefault:
      return "default";
    case CheckerKind::kExact:
      return "exact";
    case CheckerKind::kTokens:
      return "tokens";
    case CheckerKind::kFloat:
      return "float";
    case CheckerKind::kCustom:
      return "custom";
  }
  return "unknown";
}

// The inverse of verdict_code(); nullopt for any other text.
inline std::optional<Verdict> parse_verdict(std::string_view code) {
  constexpr Verdict kAll[] = {
      Verdict::kAccepted,         Verdict::kWrongAnswer,       Verdict::kTimeLimit,
      Verdict::kMemoryLimit,      Verdict::kOutputLimit,       Verdict::kRuntimeError,
      Verdict::kCompilationError, Verdict::kSecurityViolation, Verdict::kInternalError,
      Verdict::kSkipped};
  return common::find_by_name(code, kAll, verdict_code);
}

// The inverse of checker_kind_name(); nullopt for any other text.
inline std::optional<CheckerKind> parse_checker_kind(std::string_view name) {
  constexpr CheckerKind kAll[] = {CheckerKind::kDefault, CheckerKind::kExact, CheckerKind::kTokens,
                                  CheckerKind::kFloat, CheckerKind::kCustom};
  return common::find_by_name(name, kAll, checker_kind_name);
}

}  // namespace codearena::judge
