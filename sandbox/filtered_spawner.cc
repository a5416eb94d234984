#include "sandbox/filtered_spawner.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/seccomp_policy.h"

namespace codearena::sandbox {

FilteredSpawner::FilteredSpawner(std::string filter)
    : filter_(std::move(filter)),
      thread_("the keeper's spawning thread", [this] { return load_filter(); }) {}

FilteredSpawner::~FilteredSpawner() = default;

int FilteredSpawner::listener() {
  thread_.wait_idle();
  return listener_.get();
}

pid_t FilteredSpawner::spawn(int ipc_namespace, int (*entry)(void*), void* arg,
                             void* stack_top) {
  pid_t spawned = -1;
  thread_.carry_out([=, &spawned] {
    return spawn_from_thread(ipc_namespace, entry, arg, stack_top, &spawned);
  });
  return spawned;
}

void FilteredSpawner::follow_network() {
  thread_.carry_out([this] { return enter_keeper_network(); });
}

// From here on the thread makes only futex, clone and marked setns calls: anything else would
// wait on the listener, in a run's name.
std::string FilteredSpawner::load_filter() {
  sock_fprog program{};
  program.len = static_cast<unsigned short>(filter_.size() / sizeof(sock_filter));
  program.filter = reinterpret_cast<sock_filter*>(filter_.data());
  const int listener = static_cast<int>(
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program));
  if (listener < 0) return std::string("load the seccomp filter: ") + std::strerror(errno);
  listener_.reset(listener);
  return "";
}

std::string FilteredSpawner::enter_keeper_network() {
  const UniqueFd network(::open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC));
  if (!network.valid() ||
      ::syscall(SYS_setns, network.get(), CLONE_NEWNET, kSetupCallMarker) != 0)
    return std::string("enter the keeper's network namespace: ") + std::strerror(errno);
  return "";
}

std::string FilteredSpawner::spawn_from_thread(int ipc_namespace, int (*entry)(void*), void* arg,
                                               void* stack_top, pid_t* spawned) {
  // In the run's IPC namespace before the clone, so the process starts there and the thread
  // never holds the namespace of a run that is over after the next run began.
  if (::syscall(SYS_setns, ipc_namespace, CLONE_NEWIPC, kSetupCallMarker) != 0)
    return std::string("enter the run's IPC namespace: ") + std::strerror(errno);
  *spawned = ::clone(entry, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
  if (*spawned < 0) return std::string("clone: ") + std::strerror(errno);
  return "";
}

}  // namespace codearena::sandbox
