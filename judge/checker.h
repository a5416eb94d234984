// Built-in output checkers: decide whether a program's output matches the expected output.
//
// Each checker is a pure function of the two outputs and a CheckerSpec, safe to call from any
// thread. A rejection comes back with a short message for people, naming the first difference.
// Custom checkers are programs the judge runs in the sandbox; only their spec lives here.
#pragma once

#include <optional>
#include <string>

#include "judge/judge_vocabulary.h"

namespace codearena::judge {

// How to check one test's output. Plain value type; fields a kind does not use are ignored.
struct CheckerSpec {
  CheckerKind kind = CheckerKind::kDefault;
  double absolute_epsilon = 1e-6;  // kFloat
  double relative_epsilon = 1e-6;  // kFloat
  std::string custom_language;     // kCustom: language id of the checker program
  std::string custom_source;       // kCustom: its source code
};

// The verdict of a checker. `message` is empty when accepted.
struct CheckOutcome {
  bool accepted = false;
  // Why not accepted, for people: "line 3: expected '5', got '6'" (bounded ~200 chars, values
  // shortened with "...").
  std::string message;
};

// Compares with a built-in checker (every kind but kCustom, which the judge runs in the sandbox;
// passing kCustom throws std::invalid_argument). Pure function, thread-safe.
//
//   kDefault: lines ("\n" or "\r\n") equal after stripping trailing spaces, tabs and '\r' of
//             each line and dropping trailing empty lines; leading whitespace matters.
//   kExact:   byte-for-byte equal.
//   kTokens:  equal sequences of whitespace-separated tokens.
//   kFloat:   like kTokens, but two tokens that are both finite numbers (all of each token read
//             by strtod; "nan" and "inf" are words) match when they differ by at most
//             absolute_epsilon or by at most relative_epsilon * |expected|.
// Positions in messages (lines, tokens, bytes, characters) count from 1.
CheckOutcome compare_output(const CheckerSpec& spec, const std::string& expected,
                            const std::string& actual);

}  // namespace codearena::judge
