// `codearena run`: runs one command in the sandbox and prints the result as one JSON object.
#pragma once

#include <string>
#include <vector>

namespace codearena::app {

// Takes the arguments after "run". Returns the process exit code: 0 when the run took place
// (whatever its status), 1 when the sandbox could not be set up, 2 for a usage error.
int run_command(const std::vector<std::string>& args);

// The usage text of `codearena run`.
const char* run_usage();

}  // namespace codearena::app
