// codearena: the command line. `run` is served here, by a binary that links the sandbox engine
// and nothing of the service, so that a call costs little more than the run itself; every other
// command is handed to codearena-full beside it (execv, same arguments, same process).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "app/run_command.h"
#include "sandbox/errors.h"
#include "sandbox/sandbox.h"

namespace {

const char* kUsage = R"(usage: codearena COMMAND [options]

Commands:
  run        run one command in the sandbox and print the result as JSON
  judge      compile and judge a program against a stdin or a folder of tests
  languages  list the language table with versions and limits
  prepare    build the precompiled headers and class-data archives ahead of the first job
  serve      start the service: REST API, scheduler and sandbox workers (see serve --help)
  inspect    the cluster's nodes, a job's timeline, every node's actors, a live view (top)
  help    show this text (or: codearena COMMAND --help)

See README.md and docs/ for the full guide.
)";

const char* const kFullCommands[] = {"judge", "languages", "prepare", "serve", "inspect"};

bool is_full_command(const std::string& name) {
  for (const char* command : kFullCommands) {
    if (name == command) return true;
  }
  return false;
}

// Why `path` may not be trusted to be this installation's own file, or "" when it may: it and
// what it is in must belong to root or to this user and be writable by nobody else. A hard link
// to codearena in someone else's directory would otherwise start their codearena-full.
std::string untrusted_because(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return std::strerror(errno);
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) return "it belongs to another user";
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) return "others may write to it";
  return "";
}

// Replaces this process by codearena-full with the same arguments; returns only on failure.
int hand_over(char** argv) {
  std::string dir;
  try {
    dir = codearena::sandbox::executable_dir();
  } catch (const codearena::sandbox::SandboxError& error) {
    std::cerr << "codearena: " << error.what() << "\n";
    return 1;
  }
  const std::string full = dir + "/codearena-full";
  for (const auto& path : {dir, full}) {
    const auto reason = untrusted_because(path);
    if (!reason.empty()) {
      std::cerr << "codearena: will not start " << full << ": " << path << ": " << reason << "\n";
      return 1;
    }
  }
  ::execv(full.c_str(), argv);
  std::cerr << "codearena: cannot start " << full << ": " << std::strerror(errno) << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 1) return 2;  // Started without even a program name: nothing to hand on or run.
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (is_full_command(args[0])) return hand_over(argv);
  if (args[0] != "run") {
    std::cerr << "codearena: unknown command '" << args[0] << "'\n\n" << kUsage;
    return 2;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (!rest.empty() && (rest[0] == "--help" || rest[0] == "-h")) {
    std::cout << codearena::app::run_usage();
    return 0;
  }
  return codearena::app::run_command(rest);
}
