#include "sandbox/namespaces.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/errors.h"

namespace codearena::sandbox {

KeeperProcess spawn_box_keeper(const std::string& helper_path, bool network_later) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0)
    throw_errno("socketpair", errno);
  UniqueFd engine_end(ends[0]);
  UniqueFd keeper_end(ends[1]);
  if (::access(helper_path.c_str(), X_OK) != 0) throw_errno("sandbox helper " + helper_path, errno);

  const char* argv[] = {"codearena-box", "3", nullptr};
  const char* envp[] = {"PATH=/usr/bin:/bin", nullptr};
  // CLONE_VFORK: the caller sleeps until the keeper has executed, so the keeper starts at once
  // on this core, and the caller, woken, goes to a free core if there is one. A forked child is
  // often queued behind its parent instead, and the keeper's start would wait for whatever the
  // caller does next (making the slot cgroups) rather than overlap it.
  constexpr unsigned long kFlags =
      CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_VFORK | SIGCHLD;
  const unsigned long flags = network_later ? kFlags : kFlags | CLONE_NEWNET;
  const long pid = ::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, nullptr);
  if (pid < 0) throw_errno("clone the box keeper into new namespaces", errno);
  if (pid == 0) {
    // The keeper starts with its control socket as fd 3, /dev/null as 0 and 1, the engine's
    // stderr for its diagnostics, and nothing else: whatever the engine has open (client
    // connections, a caller's redirected files, Redis) stays out of the box.
    if (keeper_end.get() == 3) {
      ::fcntl(3, F_SETFD, 0);
    } else if (::dup2(keeper_end.get(), 3) < 0) {
      ::_exit(126);
    }
    const int null = ::open("/dev/null", O_RDWR);
    if (null < 0 || ::dup2(null, 0) < 0 || ::dup2(null, 1) < 0) ::_exit(126);
    if (close_descriptors_from(4) != 0) ::_exit(126);
    ::execve(helper_path.c_str(), const_cast<char**>(argv), const_cast<char**>(envp));
    ::_exit(127);
  }
  return {static_cast<pid_t>(pid), std::move(engine_end), network_later};
}

UniqueFd fresh_network_namespace() {
  const UniqueFd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!own.valid()) throw_errno("open the engine's network namespace", errno);
  if (::unshare(CLONE_NEWNET) != 0) throw_errno("create a network namespace", errno);
  UniqueFd fresh(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  const int open_errno = errno;
  if (::setns(own.get(), CLONE_NEWNET) != 0)
    throw_errno("return to the engine's network namespace", errno);
  if (!fresh.valid()) throw_errno("open a new network namespace", open_errno);
  return fresh;
}

bool lists_unix_sockets(int listing, const std::string& what) {
  char text[512];
  const ssize_t n = ::pread(listing, text, sizeof text, 0);
  if (n < 0) throw_errno("read " + what, errno);
  const auto* header_end = static_cast<const char*>(std::memchr(text, '\n', n));
  return header_end != nullptr && header_end + 1 < text + n;
}

bool unix_sockets_in(int network_namespace) {
  const UniqueFd own(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!own.valid()) throw_errno("open the engine's network namespace", errno);
  if (::setns(network_namespace, CLONE_NEWNET) != 0)
    throw_errno("enter a kept network namespace", errno);
  const UniqueFd listing(::open("/proc/thread-self/net/unix", O_RDONLY | O_CLOEXEC));
  const int open_errno = errno;
  if (::setns(own.get(), CLONE_NEWNET) != 0)
    throw_errno("return to the engine's network namespace", errno);
  if (!listing.valid()) throw_errno("open /proc/net/unix of a kept network namespace", open_errno);
  return lists_unix_sockets(listing.get(), "/proc/net/unix of a kept network namespace");
}

namespace {

// A pidfd becomes readable when the keeper exits, so the wait ends at that moment rather than
// at the next tick of a polling loop.
bool keeper_exited_within(pid_t pid, int grace_ms) {
  const UniqueFd exited(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (exited.valid()) {
    pollfd watch{exited.get(), POLLIN, 0};
    int ready;
    do {
      ready = ::poll(&watch, 1, grace_ms);
    } while (ready < 0 && errno == EINTR);
    return ready > 0;
  }
  // Kernels before 5.3 have no pidfd: the keeper is polled every millisecond.
  for (int waited = 0; waited < grace_ms; ++waited) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return true;
    const timespec millisecond{0, 1'000'000};
    ::nanosleep(&millisecond, nullptr);
  }
  return false;
}

}  // namespace

void reap_box_keeper(pid_t pid, int grace_ms) {
  if (!keeper_exited_within(pid, grace_ms)) ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

}  // namespace codearena::sandbox
