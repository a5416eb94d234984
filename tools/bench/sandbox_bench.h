// `codearena-bench sandbox`: what the sandbox adds to one run of a trivial static program.
//
// Times N runs of the program three ways, interleaved in blocks so machine noise hits all of
// them alike: a bare fork+execve+waitpid from the bench process (output read through pipes),
// Slot::run() on one sandbox slot (the program copied into /box as an input file), and
// optionally bubblewrap. Then does the same from several threads at once, one slot each. Prints
// a table, then the line `sandbox overhead_us=<median> ratio=<sandboxed/bare>` last.
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

extern const char kSandboxBenchUsage[];

// Runs the benchmark with the arguments after `sandbox`; returns the process exit code.
int sandbox_bench(const std::vector<std::string>& args);

}  // namespace codearena::bench
