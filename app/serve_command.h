// `codearena serve`: starts a node (HTTP API, scheduler and sandbox worker in one process) and
// runs until SIGTERM or SIGINT, then shuts down gracefully (see serve_usage()).
#pragma once

#include <string>
#include <vector>

namespace codearena::app {

// Exit codes: 0 after a graceful shutdown, 1 when the node cannot start, 2 for bad usage.
int serve_command(const std::vector<std::string>& args);

}  // namespace codearena::app
