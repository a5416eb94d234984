#include "sandbox/keeper_worker.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <exception>

#include "sandbox/errors.h"

namespace codearena::sandbox {
namespace {

// Joins the namespace `path` names (a /proc/.../ns file) of the kind `type`.
void enter_namespace(const char* path, int type) {
  UniqueFd ns(::open(path, O_RDONLY | O_CLOEXEC));
  if (!ns.valid()) throw_errno(std::string("open ") + path, errno);
  if (::setns(ns.get(), type) != 0) throw_errno(std::string("enter ") + path, errno);
}

}  // namespace

KeeperWorker::KeeperWorker() {
  give(kNextIpc);
  try {
    thread_ = std::thread([this] { serve(); });
  } catch (const std::system_error& error) {
    throw SandboxError(std::string("start the keeper's worker thread: ") + error.what());
  }
}

KeeperWorker::~KeeperWorker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

UniqueFd KeeperWorker::enter_next_ipc_namespace() {
  wait_idle();
  if (::setns(next_ipc_.get(), CLONE_NEWIPC) != 0)
    throw_errno("enter the next run's IPC namespace", errno);
  return std::move(next_ipc_);
}

void KeeperWorker::start() { give(kNextIpc); }

void KeeperWorker::follow_network() {
  wait_idle();
  give(kFollowNetwork);
  wait_idle();
}

void KeeperWorker::wait_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return tasks_ == 0; });
  if (!failure_.empty()) throw SandboxError("the keeper's worker thread: " + failure_);
}

void KeeperWorker::give(unsigned tasks) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_ = tasks;
    failure_.clear();
  }
  changed_.notify_all();
}

void KeeperWorker::serve() {
  // Its work is never urgent: as a batch thread it does not take the CPU from the keeper (or a
  // run) when woken. Without that the work is only done sooner or later, so failure is no error.
  const sched_param no_priority{};
  ::sched_setscheduler(0, SCHED_BATCH, &no_priority);
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return tasks_ != 0 || stopping_; });
    if (stopping_) return;
    const unsigned tasks = tasks_;
    lock.unlock();
    std::string failure;
    try {
      perform(tasks);
    } catch (const std::exception& error) {
      failure = error.what();
    }
    lock.lock();
    failure_ = failure;
    tasks_ = 0;
    changed_.notify_all();
  }
}

void KeeperWorker::perform(unsigned tasks) {
  // First out of the namespace the keeper has just entered, which is then the run's alone.
  if (tasks & kNextIpc) {
    if (::unshare(CLONE_NEWIPC) != 0) throw_errno("make an IPC namespace", errno);
    next_ipc_.reset(::open("/proc/thread-self/ns/ipc", O_RDONLY | O_CLOEXEC));
    if (!next_ipc_.valid()) throw_errno("open the new IPC namespace", errno);
  }
  if (tasks & kFollowNetwork) enter_namespace("/proc/1/ns/net", CLONE_NEWNET);
}

}  // namespace codearena::sandbox
