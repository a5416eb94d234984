#include "sandbox/parked_keeper.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <sstream>

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

// The target of symlink `link`, or nothing.
std::string link_target(const std::string& link) {
  char target[PATH_MAX];
  const ssize_t size = ::readlink(link.c_str(), target, sizeof target);
  return size > 0 ? std::string(target, static_cast<size_t>(size)) : std::string();
}

// The executable process `pid` runs, as the kernel resolved it (" (deleted)" appended when
// that file was replaced since).
std::string executable_of(pid_t pid) {
  return link_target("/proc/" + std::to_string(pid) + "/exe");
}

bool is_seqpacket_socket(int fd) {
  int type = 0;
  socklen_t size = sizeof type;
  return ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) == 0 && type == SOCK_SEQPACKET;
}

bool is_in_network(pid_t pid, const NamespaceId& network) {
  struct stat ns;
  const std::string link = "/proc/" + std::to_string(pid) + "/ns/net";
  return network.inode != 0 && ::stat(link.c_str(), &ns) == 0 &&
         NamespaceId{ns.st_dev, ns.st_ino} == network;
}

// The lines of /proc/self/status that a child inherits.
std::string inherited_status_lines() {
  static const char* const kInherited[] = {"Umask:", "Uid:", "Gid:", "Groups:", "NoNewPrivs:",
                                           "Seccomp", "Cap", "Speculation", "Cpus_allowed:",
                                           "Mems_allowed:"};
  std::istringstream status(read_text_file("/proc/self/status"));
  std::string lines;
  for (std::string line; std::getline(status, line);) {
    for (const char* prefix : kInherited) {
      if (line.rfind(prefix, 0) == 0) lines += line + "\n";
    }
  }
  return lines;
}

std::string inherited_namespaces_and_root() {
  std::string links;
  for (const char* link : {"/proc/self/ns/mnt", "/proc/self/ns/user", "/proc/self/ns/uts",
                           "/proc/self/ns/ipc", "/proc/self/ns/pid_for_children",
                           "/proc/self/ns/cgroup", "/proc/self/ns/time_for_children",
                           "/proc/self/root"}) {
    struct stat target;
    if (::stat(link, &target) == 0)
      links += std::to_string(target.st_dev) + ":" + std::to_string(target.st_ino) + " ";
  }
  return links;
}

std::string inherited_scheduling_and_limits() {
  std::ostringstream state;
  const int nice = ::getpriority(PRIO_PROCESS, 0);
  sched_param priority{};
  ::sched_getparam(0, &priority);
  state << "personality " << ::personality(0xffffffff) << " nice " << nice << " policy "
        << ::sched_getscheduler(0) << " " << priority.sched_priority << " ioprio "
        << ::syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0) << " slack "
        << ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) << " limits";
  for (int resource = 0; resource < RLIM_NLIMITS; ++resource) {
    rlimit limit{};
    ::getrlimit(static_cast<__rlimit_resource>(resource), &limit);
    state << " " << limit.rlim_cur << "/" << limit.rlim_max;
  }
  return state.str();
}

}  // namespace

std::string inherited_process_state() {
  std::string state = inherited_scheduling_and_limits() + "\n" + inherited_namespaces_and_root();
  try {
    state += "\n" + inherited_status_lines() + read_text_file("/proc/self/oom_score_adj");
  } catch (const SandboxError&) {
    // Left out.
  }
  return state;
}

std::string bind_sources_state(const std::vector<ReadOnlyBind>& binds) {
  std::string state;
  for (const auto& bind : binds) {
    struct stat source;
    if (::lstat(bind.path.c_str(), &source) != 0) {
      state += "-\n";
    } else if (S_ISLNK(source.st_mode)) {
      state += "-> " + link_target(bind.path) + "\n";
    } else {
      state += std::to_string(source.st_dev) + ":" + std::to_string(source.st_ino) + "\n";
    }
  }
  return state;
}

NamespaceId namespace_id(int fd) {
  struct stat ns;
  if (fd < 0 || ::fstat(fd, &ns) != 0) return {};
  return {ns.st_dev, ns.st_ino};
}

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
      !is_in_network(record.pid, record.network) ||
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
