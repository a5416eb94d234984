#include "sandbox/keeper_worker.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstring>

#include "sandbox/errors.h"

namespace codearena::sandbox {
namespace {

std::string errno_failure(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// Joins the namespace `path` names (a /proc/.../ns file) of the kind `type`.
std::string enter_namespace(const char* path, int type) {
  const UniqueFd ns(::open(path, O_RDONLY | O_CLOEXEC));
  if (!ns.valid()) return errno_failure(std::string("open ") + path);
  if (::setns(ns.get(), type) != 0) return errno_failure(std::string("enter ") + path);
  return "";
}

}  // namespace

KeeperWorker::KeeperWorker()
    : thread_("the keeper's worker thread", [this] {
        // Its work is never urgent: as a batch thread it does not take the CPU from the keeper
        // (or a run) when woken. Without that the work is only done sooner or later, so
        // failure is no error.
        const sched_param no_priority{};
        ::sched_setscheduler(0, SCHED_BATCH, &no_priority);
        return "";
      }) {
  start();
}

KeeperWorker::~KeeperWorker() = default;

UniqueFd KeeperWorker::enter_next_ipc_namespace() {
  wait_idle();
  if (::setns(next_ipc_.get(), CLONE_NEWIPC) != 0)
    throw_errno("enter the next run's IPC namespace", errno);
  return std::move(next_ipc_);
}

void KeeperWorker::start() {
  thread_.give([this] { return make_next_ipc_namespace(); });
}

void KeeperWorker::follow_network() {
  thread_.carry_out([] { return enter_namespace("/proc/1/ns/net", CLONE_NEWNET); });
}

void KeeperWorker::wait_idle() { thread_.wait_idle(); }

// First out of the namespace the keeper has just entered, which is then the run's alone.
std::string KeeperWorker::make_next_ipc_namespace() {
  if (::unshare(CLONE_NEWIPC) != 0) return errno_failure("make an IPC namespace");
  next_ipc_.reset(::open("/proc/thread-self/ns/ipc", O_RDONLY | O_CLOEXEC));
  if (!next_ipc_.valid()) return errno_failure("open the new IPC namespace");
  return "";
}

}  // namespace codearena::sandbox
