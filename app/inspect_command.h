// `codearena inspect`: the cluster's nodes, a job's timeline and every node's actors, read from
// the admin inspection endpoints of any node (docs/inspect.md); `top` refreshes a summary in
// the terminal until q or Ctrl-C.
#pragma once

#include <string>
#include <vector>

namespace codearena::app {

// Exit codes: 0 on success, 1 when the node cannot be reached or answers with an error, 2 for
// bad usage.
int inspect_command(const std::vector<std::string>& args);

std::string inspect_usage();

}  // namespace codearena::app
