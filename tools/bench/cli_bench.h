// `codearena-bench cli`: what one whole `codearena run` call costs a caller, as systems that
// call a sandbox per run from their own code use the command line.
//
// Times calls of `codearena run --read-only DIR -- DIR/hello` (one binary or several, to
// compare builds), the bare hello and any other sandbox command given (isolate, say), each
// started by its own small helper process (codearena-bench-spawner), in alternating blocks so
// that machine noise lands on every command alike; back to back or with a pause before each
// call. Prints a table, then one line per codearena binary with its ratios to the others.
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

extern const char kCliBenchUsage[];

// Runs the benchmark with the arguments after `cli`; returns the process exit code.
int cli_bench(const std::vector<std::string>& args);

}  // namespace codearena::bench
