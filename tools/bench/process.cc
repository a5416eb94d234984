// Bare process runs: see process.h.
#include "tools/bench/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace codearena::bench {
namespace {

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

struct Pipe {
  int read = -1;
  int write = -1;
};

Pipe make_pipe() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw_errno("pipe2");
  return {ends[0], ends[1]};
}

// Reads both pipes until each reaches end of file, then closes them.
void drain(int out_fd, int err_fd, ProcessOutcome* outcome) {
  pollfd watched[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&outcome->out, &outcome->err};
  int open_count = 2;
  char buffer[65536];
  while (open_count > 0) {
    if (::poll(watched, 2, -1) < 0) {
      if (errno == EINTR) continue;
      throw_errno("poll");
    }
    for (int i = 0; i < 2; ++i) {
      if (watched[i].fd < 0 || watched[i].revents == 0) continue;
      const ssize_t n = ::read(watched[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
        continue;
      }
      ::close(watched[i].fd);
      watched[i].fd = -1;  // poll() ignores negative descriptors.
      --open_count;
    }
  }
}

}  // namespace

bool ProcessOutcome::exited_ok() const {
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

Command::Command(std::vector<std::string> argv, std::vector<std::string> env)
    : argv_(std::move(argv)), env_(std::move(env)) {
  for (auto& arg : argv_) argv_ptrs_.push_back(arg.data());
  argv_ptrs_.push_back(nullptr);
  for (auto& entry : env_) env_ptrs_.push_back(entry.data());
  env_ptrs_.push_back(nullptr);
  dev_null_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (dev_null_ < 0) throw_errno("open /dev/null");
}

Command::~Command() {
  ::close(dev_null_);
}

ProcessOutcome Command::run() const {
  const Pipe out = make_pipe();
  const Pipe err = make_pipe();
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here to execve: the parent may be multi-threaded.
    if (::dup2(dev_null_, 0) < 0 || ::dup2(out.write, 1) < 0 || ::dup2(err.write, 2) < 0) {
      ::_exit(126);
    }
    ::execve(argv_ptrs_[0], argv_ptrs_.data(), env_ptrs_.data());
    ::_exit(127);
  }
  const int fork_errno = errno;
  ::close(out.write);
  ::close(err.write);
  if (pid < 0) {
    ::close(out.read);
    ::close(err.read);
    errno = fork_errno;
    throw_errno("fork");
  }
  ProcessOutcome outcome;
  drain(out.read, err.read, &outcome);
  while (::waitpid(pid, &outcome.wait_status, 0) < 0) {
    if (errno != EINTR) throw_errno("waitpid");
  }
  return outcome;
}

}  // namespace codearena::bench
