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
#include <system_error>

#include "sandbox/errors.h"
#include "sandbox/seccomp_policy.h"

namespace codearena::sandbox {

FilteredSpawner::FilteredSpawner(std::string filter) : filter_(std::move(filter)) {
  try {
    thread_ = std::thread([this] { serve(); });
  } catch (const std::system_error& error) {
    throw SandboxError(std::string("start the keeper's spawning thread: ") + error.what());
  }
}

FilteredSpawner::~FilteredSpawner() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

int FilteredSpawner::listener() {
  std::unique_lock<std::mutex> lock(mutex_);
  await_filter(lock);
  return listener_.get();
}

pid_t FilteredSpawner::spawn(int ipc_namespace, int (*entry)(void*), void* arg,
                             void* stack_top) {
  return carry_out({ipc_namespace, entry, arg, stack_top});
}

void FilteredSpawner::follow_network() { carry_out({-1, nullptr, nullptr, nullptr}); }

pid_t FilteredSpawner::carry_out(const Order& order) {
  std::unique_lock<std::mutex> lock(mutex_);
  await_filter(lock);
  order_ = order;
  ordered_ = true;
  changed_.notify_all();
  changed_.wait(lock, [this] { return !ordered_; });
  if (spawned_ < 0) throw SandboxError(failure_);
  return spawned_;
}

void FilteredSpawner::await_filter(std::unique_lock<std::mutex>& lock) {
  changed_.wait(lock, [this] { return loaded_; });
  if (!listener_.valid()) throw SandboxError(failure_);
}

void FilteredSpawner::serve() {
  sock_fprog program{};
  program.len = static_cast<unsigned short>(filter_.size() / sizeof(sock_filter));
  program.filter = reinterpret_cast<sock_filter*>(filter_.data());
  const int listener = static_cast<int>(
      ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &program));
  const int load_error = errno;
  std::unique_lock<std::mutex> lock(mutex_);
  loaded_ = true;
  if (listener < 0) {
    failure_ = std::string("load the seccomp filter: ") + std::strerror(load_error);
  } else {
    listener_.reset(listener);
  }
  changed_.notify_all();
  // From here on only futex, clone and marked setns calls: anything else would wait on the
  // listener, in a run's name.
  for (;;) {
    changed_.wait(lock, [this] { return ordered_ || stopping_; });
    if (stopping_) return;
    const Order order = order_;
    lock.unlock();
    std::string failure;
    const pid_t spawned = perform(order, &failure);
    lock.lock();
    spawned_ = spawned;
    failure_ = failure;
    ordered_ = false;
    changed_.notify_all();
  }
}

pid_t FilteredSpawner::perform(const Order& order, std::string* failure) {
  if (order.entry == nullptr) {
    const UniqueFd network(::open("/proc/1/ns/net", O_RDONLY | O_CLOEXEC));
    if (!network.valid() ||
        ::syscall(SYS_setns, network.get(), CLONE_NEWNET, kSetupCallMarker) != 0) {
      *failure = std::string("enter the keeper's network namespace: ") + std::strerror(errno);
      return -1;
    }
    return 0;
  }
  // In the run's IPC namespace before the clone, so the process starts there and the thread
  // never holds the namespace of a run that is over after the next run began.
  if (::syscall(SYS_setns, order.ipc_namespace, CLONE_NEWIPC, kSetupCallMarker) != 0) {
    *failure = std::string("enter the run's IPC namespace: ") + std::strerror(errno);
    return -1;
  }
  const pid_t child =
      ::clone(order.entry, order.stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, order.arg);
  if (child < 0) *failure = std::string("clone: ") + std::strerror(errno);
  return child;
}

}  // namespace codearena::sandbox
