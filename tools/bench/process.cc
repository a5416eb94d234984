// Bare process runs: see process.h.
#include "tools/bench/process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "tools/bench/spawner_protocol.h"

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

std::vector<char*> c_array(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& text : strings) pointers.push_back(text.data());
  pointers.push_back(nullptr);
  return pointers;
}

// Reads exactly `size` bytes; false at end of file.
bool read_exactly(int fd, void* data, size_t size) {
  auto* bytes = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = ::read(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool ProcessOutcome::exited_ok() const {
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

Command::Command(std::vector<std::string> argv, std::vector<std::string> env)
    : argv_(std::move(argv)), env_(std::move(env)) {
  argv_ptrs_ = c_array(argv_);
  env_ptrs_ = c_array(env_);
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

Spawner::Spawner(const std::string& spawner, const std::vector<std::string>& argv,
                 const std::vector<std::string>& env) {
  std::vector<std::string> args = {spawner};
  args.insert(args.end(), argv.begin(), argv.end());
  std::vector<std::string> environment = env;
  const auto arg_ptrs = c_array(args);
  const auto env_ptrs = c_array(environment);
  // A socket, not a pipe, for the requests: a send to a spawner that died fails with EPIPE
  // (MSG_NOSIGNAL) instead of killing the bench with SIGPIPE.
  int request_ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, request_ends) != 0)
    throw_errno("socketpair");
  const Pipe requests{request_ends[1], request_ends[0]};
  const Pipe results = make_pipe();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, requests.read, 0);
  posix_spawn_file_actions_adddup2(&actions, results.write, 1);
  pid_t pid;
  const int error =
      ::posix_spawn(&pid, spawner.c_str(), &actions, nullptr, arg_ptrs.data(), env_ptrs.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(requests.read);
  ::close(results.write);
  if (error != 0) {
    ::close(requests.write);
    ::close(results.read);
    throw std::system_error(error, std::generic_category(), "posix_spawn " + spawner);
  }
  requests_ = requests.write;
  results_ = results.read;
  pid_ = pid;
}

Spawner::~Spawner() {
  ::close(requests_);
  ::close(results_);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

TimedOutcome Spawner::run() {
  const char request = 'r';
  spawner_result result{};
  if (::send(requests_, &request, 1, MSG_NOSIGNAL) != 1 ||
      !read_exactly(results_, &result, sizeof result)) {
    throw std::runtime_error("codearena-bench-spawner failed or is gone (see its stderr)");
  }
  TimedOutcome timed;
  timed.outcome.wait_status = result.wait_status;
  timed.outcome.out.resize(result.out_size);
  timed.outcome.err.resize(result.err_size);
  if (!read_exactly(results_, timed.outcome.out.data(), result.out_size) ||
      !read_exactly(results_, timed.outcome.err.data(), result.err_size)) {
    throw std::runtime_error("codearena-bench-spawner stopped in the middle of an answer");
  }
  timed.elapsed_us = static_cast<double>(result.elapsed_ns) / 1000;
  return timed;
}

}  // namespace codearena::bench
