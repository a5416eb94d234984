#include "tests/support/host_process.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace codearena::testing {

std::string read_host_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

std::set<pid_t> keeper_pids() {
  std::set<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return pids;
  const std::string parent = "PPid:\t" + std::to_string(::getpid()) + "\n";
  for (dirent* entry; (entry = ::readdir(proc)) != nullptr;) {
    const std::string name = entry->d_name;
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const auto status = read_host_file("/proc/" + name + "/status");
    if (status.rfind("Name:\tcodearena-box\n", 0) == 0 &&
        status.find(parent) != std::string::npos) {
      pids.insert(std::stoi(name));
    }
  }
  ::closedir(proc);
  return pids;
}

Canary::Canary(uid_t uid) : pid_(::fork()) {
  if (pid_ < 0) {
    throw std::runtime_error(std::string("canary: fork failed: ") + std::strerror(errno));
  }
  if (pid_ == 0) {
    if (::setresgid(uid, uid, uid) != 0 || ::setresuid(uid, uid, uid) != 0) ::_exit(126);
    ::execl("/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

Canary::~Canary() {
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

bool Canary::alive() const {
  return ::waitpid(pid_, nullptr, WNOHANG) == 0 && ::kill(pid_, 0) == 0;
}

}  // namespace codearena::testing
