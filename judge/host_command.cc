#include "judge/host_command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

namespace codearena::judge {
namespace {

// The child between fork() and execv(): only async-signal-safe calls, since the node has other
// threads. Its stdio goes to /dev/null, every other descriptor of the node is closed, and the
// signals the node keeps blocked for its own sigwait() reach the command again.
[[noreturn]] void exec_quietly(char* const* argv, const char* dir) {
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
  if (::chdir(dir) != 0) ::_exit(127);
  ::execv(argv[0], argv);
  ::_exit(127);
}

}  // namespace

bool run_host_command(const std::vector<std::string>& command, const std::string& dir) {
  std::vector<char*> argv;
  for (const auto& arg : command) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) exec_quietly(argv.data(), dir.c_str());
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string build_once(const std::string& id, const std::string& what, const std::string& stamp,
                       const std::string& version, const std::function<bool()>& build) {
  if (sandbox::path_exists(stamp)) return id + ": " + what + " ready; ";
  if (!build()) return id + ": could not build the " + what + " (compiling without); ";
  replace_file(stamp, version + "\n");
  return id + ": " + what + " built; ";
}

std::string name_of_this_process(const std::string& path) {
  return path + ".tmp" + std::to_string(::getpid());
}

void replace_file(const std::string& path, const std::string& content) {
  const auto temporary = name_of_this_process(path);
  sandbox::write_text_file_create(temporary, content);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    sandbox::throw_errno("rename " + temporary + " to " + path, error);
  }
}

}  // namespace codearena::judge
