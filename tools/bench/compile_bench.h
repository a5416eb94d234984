// `codearena-bench compile`: what the precompiled <bits/stdc++.h> saves a C++ compilation.
//
// Judges a `#include <bits/stdc++.h>` hello world (compile in the sandbox, then one run) with a
// Judge that has the precompiled-header directory and with one that has none, a fresh source
// every run so the compile cache never answers; and, for reference, runs the same g++ command
// bare on the host with and without `-I<pch dir>/cpp`. Prints a table of medians, then the line
// `compile pch_ms=<median> nopch_ms=<median> speedup=<nopch/pch>` last (sandboxed judging).
#pragma once

#include <string>
#include <vector>

namespace codearena::bench {

extern const char kCompileBenchUsage[];

// Runs the benchmark with the arguments after `compile`; returns the process exit code.
int compile_bench(const std::vector<std::string>& args);

}  // namespace codearena::bench
