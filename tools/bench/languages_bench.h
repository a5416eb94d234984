// `codearena-bench languages`: what it costs to compile and run a hello world in every language
// of the table, bare on the host against judged by CodeArena.
//
// Plain: the toolchain's stock commands (`javac Main.java && java Main`, ...) on the host. Bare:
// the table's compile command (if any) and run command, run on the host in a scratch directory.
// Judged: Judge::judge() end to end (compile in the sandbox, one sandboxed run), once with a
// source the compile cache has not seen and once with the one it just compiled; with --api,
// POST /api/execute?wait=true to a `codearena serve` node it starts instead. Prints a table of
// medians, then `languages <id>_overhead_ms=<judged - bare> <id>_ratio=<judged / plain> ...`
// last (`<id>_api_overhead_ms`, `<id>_api_ratio`, ... with --api).
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

extern const char kLanguagesBenchUsage[];

// Runs the benchmark with the arguments after `languages`; returns the process exit code.
int languages_bench(const std::vector<std::string>& args);

}  // namespace codearena::bench
