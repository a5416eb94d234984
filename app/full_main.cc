// codearena-full: every command of `codearena` but `run` (judge, languages, prepare, serve,
// inspect). The `codearena` front (main.cc) hands these over to it with execv, keeping the
// arguments as they were, so that `codearena run` does not load the service's libraries.
#include <iostream>
#include <string>
#include <vector>

#include "app/inspect_command.h"
#include "app/judge_command.h"
#include "app/serve_command.h"
#include "app/serve_config.h"

namespace {

using Command = int (*)(const std::vector<std::string>&);

struct Entry {
  const char* name;
  Command command;
  std::string (*usage)();  // nullptr: the command reads --help itself.
};

const Entry kCommands[] = {
    {"judge", codearena::app::judge_command,
     [] { return std::string(codearena::app::judge_usage()); }},
    {"serve", codearena::app::serve_command, codearena::app::serve_usage},
    {"inspect", codearena::app::inspect_command, codearena::app::inspect_usage},
    {"languages", codearena::app::languages_command, nullptr},
    {"prepare", codearena::app::prepare_command, nullptr},
};

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << "codearena-full: no command (it is started by codearena, see codearena help)\n";
    return 2;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  const bool wants_help = !rest.empty() && (rest[0] == "--help" || rest[0] == "-h");
  for (const auto& entry : kCommands) {
    if (args[0] != entry.name) continue;
    if (wants_help && entry.usage != nullptr) {
      std::cout << entry.usage();
      return 0;
    }
    return entry.command(rest);
  }
  std::cerr << "codearena-full: unknown command '" << args[0] << "' (see codearena help)\n";
  return 2;
}
