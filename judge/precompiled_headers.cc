#include "judge/precompiled_headers.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <vector>

#include "judge/compile_cache.h"
#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

namespace codearena::judge {
namespace {

using sandbox::make_dirs;
using sandbox::path_exists;
using sandbox::write_text_file_create;

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

// The child between fork() and execv(): only async-signal-safe calls, since the node has other
// threads. Its stdio goes to /dev/null, every other descriptor of the node is closed, and the
// signals the node keeps blocked for its own sigwait() reach the compiler again.
[[noreturn]] void exec_quietly(char* const* argv) {
  // Not close-on-exec: when the node runs with 0, 1 or 2 closed it becomes one of them; any other
  // number is closed with the rest below.
  const int null = ::open("/dev/null", O_RDWR);
  if (null < 0) ::_exit(127);
  for (int fd = 0; fd <= 2; ++fd) {
    if (::dup2(null, fd) < 0) ::_exit(127);
  }
  if (sandbox::close_descriptors_from(3) != 0) ::_exit(127);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execv(argv[0], argv);
  ::_exit(127);
}

// Runs `command` on the host and waits for it. True when it exited with 0; false when it
// failed, could not start, or the process could not be forked.
bool run_host_command(const std::vector<std::string>& command) {
  std::vector<char*> argv;
  for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) exec_quietly(argv.data());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Writes `content` to `path` under a name of this process first, so that another process
// building at the same time never reads the file half written.
void replace_file(const std::string& path, const std::string& content) {
  const auto temporary = path + ".tmp" + std::to_string(::getpid());
  write_text_file_create(temporary, content);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    sandbox::throw_errno("rename " + temporary + " to " + path, error);
  }
}

// Builds one language's header into `dir`; false when the compiler failed.
bool build(const Language& language, const std::vector<std::string>& flags,
           const std::string& compiler, const std::string& dir) {
  const auto target = dir + "/" + language.precompiled_header + ".gch";
  make_dirs(target.substr(0, target.rfind('/')));
  const auto source = dir + "/pch-source.h";
  replace_file(source, "#include <" + language.precompiled_header + ">\n");
  const auto temporary = target + ".tmp" + std::to_string(::getpid());
  std::vector<std::string> command = {compiler};
  command.insert(command.end(), flags.begin(), flags.end());
  command.insert(command.end(), {"-x", "c++-header", source, "-o", temporary});
  if (!run_host_command(command) || ::rename(temporary.c_str(), target.c_str()) != 0) {
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
    if (path_exists(stamp)) {
      report += language.id + ": precompiled header ready; ";
    } else if (build(language, flags, command.at(0), language_dir)) {
      write_text_file_create(stamp, language.version + "\n");
      report += language.id + ": precompiled header built; ";
    } else {
      report += language.id + ": could not build the precompiled header (compiling without); ";
    }
  }
  return report;
}

std::string precompiled_header_include(const Language& language, const std::string& dir) {
  if (dir.empty() || language.precompiled_header.empty()) return "";
  return "-I" + dir + "/" + language.id;
}

}  // namespace codearena::judge
