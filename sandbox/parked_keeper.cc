#include "sandbox/parked_keeper.h"

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "sandbox/errors.h"

namespace codearena::sandbox {
namespace {

bool is_alive(int pidfd) {
  pollfd exited{pidfd, POLLIN, 0};
  return ::poll(&exited, 1, 0) == 0;
}

void kill_through(int pidfd) {
  ::syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0);
}

// The executable process `pid` runs, as the kernel resolved it (" (deleted)" appended when
// that file was replaced since).
std::string executable_of(pid_t pid) {
  char target[PATH_MAX];
  const std::string link = "/proc/" + std::to_string(pid) + "/exe";
  const ssize_t size = ::readlink(link.c_str(), target, sizeof target);
  return size > 0 ? std::string(target, static_cast<size_t>(size)) : std::string();
}

bool is_seqpacket_socket(int fd) {
  int type = 0;
  socklen_t size = sizeof type;
  return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 && type == SOCK_SEQPACKET;
}

}  // namespace

std::optional<uint64_t> start_ticks_of(pid_t pid) {
  try {
    const std::string stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
    // The command name, field 2, may hold spaces and parentheses: fields count from its end.
    size_t at = stat.rfind(')');
    for (int field = 2; field < 22 && at != std::string::npos; ++field) at = stat.find(' ', at + 1);
    if (at == std::string::npos) return std::nullopt;
    char* end = nullptr;
    const unsigned long long ticks = std::strtoull(stat.c_str() + at + 1, &end, 10);
    if (end == stat.c_str() + at + 1) return std::nullopt;
    return ticks;
  } catch (const SandboxError&) {
    return std::nullopt;
  }
}

UniqueFd open_recorded_keeper(const KeeperRecord& record, const std::string& helper_path) {
  if (record.pid <= 1) return UniqueFd();
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, record.pid, 0)));
  if (!pidfd.valid()) return UniqueFd();
  char helper[PATH_MAX];
  if (start_ticks_of(record.pid) != record.start_ticks ||
      ::realpath(helper_path.c_str(), helper) == nullptr || executable_of(record.pid) != helper ||
      !is_alive(pidfd.get())) {
    return UniqueFd();
  }
  return pidfd;
}

std::optional<KeeperProcess> adopt_parked_keeper(const ParkedKeeper& parked,
                                                 const std::string& helper_path) {
  UniqueFd pidfd = open_recorded_keeper(parked.keeper, helper_path);
  if (!pidfd.valid()) return std::nullopt;
  UniqueFd control(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), parked.engine_end, 0)));
  if (!control.valid() || !is_seqpacket_socket(control.get())) {
    kill_through(pidfd.get());
    return std::nullopt;
  }
  KeeperProcess keeper;
  keeper.pid = parked.keeper.pid;
  keeper.control = std::move(control);
  keeper.pidfd = std::move(pidfd);
  return keeper;
}

void kill_recorded_keeper(const KeeperRecord& record, const std::string& helper_path) {
  const UniqueFd pidfd = open_recorded_keeper(record, helper_path);
  if (pidfd.valid()) kill_through(pidfd.get());
}

void stop_adopted_keeper(int pidfd, int grace_ms) {
  pollfd exited{pidfd, POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&exited, 1, grace_ms);
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) kill_through(pidfd);
}

}  // namespace codearena::sandbox
