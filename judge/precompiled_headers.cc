#include "judge/precompiled_headers.h"

#include <unistd.h>

#include <vector>

#include "judge/compile_cache.h"
#include "judge/host_command.h"
#include "sandbox/fs_util.h"

namespace codearena::judge {
namespace {

using sandbox::make_dirs;

// Flags that decide whether GCC accepts a precompiled header.
std::vector<std::string> pch_relevant_flags(const std::vector<std::string>& command) {
  std::vector<std::string> flags;
  for (const auto& arg : command) {
    for (const char* prefix : {"-std", "-O", "-f", "-m", "-D", "-U", "-g"}) {
      if (arg.rfind(prefix, 0) == 0) {
        flags.push_back(arg);
        break;
      }
    }
  }
  return flags;
}

// Builds one language's header into `dir`; false when the compiler failed.
bool build(const Language& language, const std::vector<std::string>& flags,
           const std::string& compiler, const std::string& dir) {
  const auto target = dir + "/" + language.precompiled_header + ".gch";
  make_dirs(target.substr(0, target.rfind('/')));
  const auto source = dir + "/pch-source.h";
  replace_file(source, "#include <" + language.precompiled_header + ">\n");
  const auto temporary = name_of_this_process(target);
  std::vector<std::string> command = {compiler};
  command.insert(command.end(), flags.begin(), flags.end());
  command.insert(command.end(), {"-x", "c++-header", source, "-o", temporary});
  if (!run_host_command(command, dir) || ::rename(temporary.c_str(), target.c_str()) != 0) {
    ::unlink(temporary.c_str());
    return false;
  }
  return true;
}

}  // namespace

std::string prepare_precompiled_headers(const LanguageTable& languages, const std::string& dir) {
  std::string report;
  if (dir.empty()) return report;
  for (const auto& language : languages.all()) {
    if (language.precompiled_header.empty() || !language.compiled()) continue;
    const auto command = expand_command(language.compile, CommandValues{});
    const auto flags = pch_relevant_flags(command);
    const auto language_dir = dir + "/" + language.id;
    const auto stamp = language_dir + "/" +
                       CompileCache::key({language.version, CompileCache::command_key_part(flags)});
    report += build_once(language.id, "precompiled header", stamp, language.version,
                         [&] { return build(language, flags, command.at(0), language_dir); });
  }
  return report;
}

std::string precompiled_header_include(const Language& language, const std::string& dir) {
  if (dir.empty() || language.precompiled_header.empty()) return "";
  return "-I" + dir + "/" + language.id;
}

}  // namespace codearena::judge
