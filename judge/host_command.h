// Commands the node runs on the host, outside the sandbox, to prepare toolchain caches
// (precompiled headers, class-data archives) from inputs the language table names.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace codearena::judge {

// Runs `command` (argv[0] a path) in `dir` with /dev/null as stdin, stdout and stderr, no other
// descriptor of the node and no blocked signals, and waits for it; safe while the node has other
// threads. True when it exited with 0; false when it failed, could not start or fork failed.
bool run_host_command(const std::vector<std::string>& command, const std::string& dir);

// Writes `content` to `path` under a name of this process first and renames it, so that another
// process preparing the same directory never reads the file half written. Throws SandboxError
// naming the path.
void replace_file(const std::string& path, const std::string& content);

// Builds one cache file of language `id` unless `stamp` exists: calls `build`, and when it
// returns true writes `version` into `stamp`. Returns "<id>: <what> ready; ", "... built; " or
// that it could not be built (the language then compiles without it), for logs.
std::string build_once(const std::string& id, const std::string& what, const std::string& stamp,
                       const std::string& version, const std::function<bool()>& build);

// `path` followed by a suffix of this process: where to build a file that is renamed to `path`.
std::string name_of_this_process(const std::string& path);

}  // namespace codearena::judge
