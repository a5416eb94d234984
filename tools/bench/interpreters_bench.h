// `codearena-bench interpreters`: what the sandbox adds to one run of an interpreter.
//
// Runs a hello world in Python (`python3 -c`), Node.js (`node -e`) and Java (`java Hello`, a
// class compiled once) bare and through one sandbox slot, with the interpreter flags and the
// limits of config/languages.json, in alternating blocks. Prints a table of medians per
// language, then the line
// `interpreters python_overhead_us=<n> node_overhead_us=<n> java_overhead_us=<n>` last.
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

extern const char kInterpretersBenchUsage[];

// Runs the benchmark with the arguments after `interpreters`; returns the process exit code.
int interpreters_bench(const std::vector<std::string>& args);

}  // namespace codearena::bench
