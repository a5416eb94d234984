// `codearena judge`: compiles and judges one program against a stdin or a folder of tests and
// prints the job result as JSON; `codearena languages` prints the language table;
// `codearena prepare` builds the precompiled headers ahead of the first node start.
#pragma once

#include <string>
#include <vector>

namespace codearena::app {

// Arguments after "judge". Returns 0 when judging took place (whatever the verdict), 1 when the
// sandbox could not be set up, 2 for a usage error (including an invalid job).
int judge_command(const std::vector<std::string>& args);
const char* judge_usage();

// Arguments after "languages". Prints every language with its version and limits.
int languages_command(const std::vector<std::string>& args);

// Arguments after "prepare". Builds the precompiled headers `codearena serve` and `judge` use
// into their cache directory, without a sandbox (e.g. while a container image is built), and
// prints what it did. Returns 1 when the directory cannot be written, 2 for a usage error.
int prepare_command(const std::vector<std::string>& args);

}  // namespace codearena::app
