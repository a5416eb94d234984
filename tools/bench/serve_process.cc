// A `codearena serve` node for the benchmarks: see serve_process.h.
#include "tools/bench/serve_process.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "tools/bench/http_client.h"
#include "tools/bench/measure.h"

extern char** environ;

namespace codearena::bench {
namespace {

// Generous: the node prepares the precompiled headers of every language before it listens.
constexpr int64_t kStartTimeoutMs = 180'000;
constexpr int64_t kStopTimeoutMs = 10'000;

std::string directory_of_this_binary() {
  std::vector<char> path(4096);
  const ssize_t n = ::readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (n <= 0) throw std::system_error(errno, std::generic_category(), "readlink /proc/self/exe");
  const std::string self(path.data(), static_cast<size_t>(n));
  return self.substr(0, self.rfind('/'));
}

// A port nobody listens on right now: the kernel's pick for a socket bound to port 0. Another
// process could take it before the node binds it; the node then fails to start, loudly.
uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  const int error = errno;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::system_error(error, std::generic_category(), "finding a free port");
  return ntohs(address.sin_port);
}

// This process's environment with the node's settings replacing any of the same name.
std::vector<std::string> node_environment(uint16_t port, int64_t slots,
                                          const std::vector<std::string>& extra) {
  std::vector<std::string> settings = {"HOST=127.0.0.1", "PORT=" + std::to_string(port),
                                       "WORKER_CONCURRENCY=" + std::to_string(slots),
                                       "LOG_LEVEL=warn", "API_RATE_LIMIT=0"};
  settings.insert(settings.end(), extra.begin(), extra.end());
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text = *entry;
    bool replaced = false;
    for (const auto& setting : settings) {
      replaced = replaced ||
                 text.compare(0, setting.find('=') + 1, setting, 0, setting.find('=') + 1) == 0;
    }
    if (!replaced) env.push_back(text);
  }
  env.insert(env.end(), settings.begin(), settings.end());
  return env;
}

std::vector<char*> pointers_to(std::vector<std::string>& texts) {
  std::vector<char*> pointers;
  for (auto& text : texts) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

double process_cpu_us(pid_t pid) {
  return stat_file_cpu_us("/proc/" + std::to_string(pid) + "/stat");
}

ServeProcess::ServeProcess(int64_t slots, const std::vector<std::string>& settings)
    : scratch_("codearena-bench-serve"),
      binary_(directory_of_this_binary() + "/codearena"),
      log_path_(scratch_.path() + "/serve.log"),
      port_(free_port()) {
  if (::access(binary_.c_str(), X_OK) != 0) {
    throw std::runtime_error(binary_ + " not found: build the codearena target beside the bench");
  }
  std::vector<std::string> argv = {binary_, "serve"};
  std::vector<std::string> env = node_environment(port_, slots, settings);
  auto argv_ptrs = pointers_to(argv);
  auto env_ptrs = pointers_to(env);
  const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) throw std::system_error(errno, std::generic_category(), "open " + log_path_);
  pid_ = ::fork();
  if (pid_ == 0) {
    if (::dup2(log, 1) < 0 || ::dup2(log, 2) < 0) ::_exit(126);
    ::execve(argv_ptrs[0], argv_ptrs.data(), env_ptrs.data());
    ::_exit(127);
  }
  ::close(log);
  if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (!wait_until_answering(port_, "/health", kStartTimeoutMs)) {
    stop();
    throw std::runtime_error("codearena serve did not answer GET /health on port " +
                             std::to_string(port_) + "; its log ends:\n" + log_tail());
  }
}

ServeProcess::~ServeProcess() {
  stop();
}

double ServeProcess::cpu_us() const {
  return process_cpu_us(pid_);
}

void ServeProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const int64_t deadline = monotonic_ns() + kStopTimeoutMs * 1'000'000;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (monotonic_ns() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

std::string ServeProcess::log_tail() const {
  std::ifstream log(log_path_);
  const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace codearena::bench
