// codearena: the node binary. Subcommands grow with the service (run, judge, serve).
#include <iostream>
#include <string>
#include <vector>

#include "app/inspect_command.h"
#include "app/judge_command.h"
#include "app/run_command.h"
#include "app/serve_command.h"
#include "app/serve_config.h"

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

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  const bool wants_help = !rest.empty() && (rest[0] == "--help" || rest[0] == "-h");
  if (args[0] == "run") {
    if (wants_help) {
      std::cout << codearena::app::run_usage();
      return 0;
    }
    return codearena::app::run_command(rest);
  }
  if (args[0] == "judge") {
    if (wants_help) {
      std::cout << codearena::app::judge_usage();
      return 0;
    }
    return codearena::app::judge_command(rest);
  }
  if (args[0] == "serve") {
    if (wants_help) {
      std::cout << codearena::app::serve_usage();
      return 0;
    }
    return codearena::app::serve_command(rest);
  }
  if (args[0] == "inspect") {
    if (wants_help) {
      std::cout << codearena::app::inspect_usage();
      return 0;
    }
    return codearena::app::inspect_command(rest);
  }
  if (args[0] == "languages") return codearena::app::languages_command(rest);
  if (args[0] == "prepare") return codearena::app::prepare_command(rest);
  std::cerr << "codearena: unknown command '" << args[0] << "'\n\n" << kUsage;
  return 2;
}
