#include "sandbox/member_thread.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/errors.h"

namespace codearena::sandbox {

MemberThread::MemberThread(std::vector<UniqueFd> tasks_files) {
  if (tasks_files.empty()) return;
  // The thread starts with every signal blocked: the keeper's main thread alone takes SIGCHLD
  // through its signalfd, and nothing else is meant for the keeper.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &previous);
  thread_ =
      std::thread([this, files = std::move(tasks_files)]() mutable { serve(std::move(files)); });
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return joined_; });
  if (!error_) return;
  lock.unlock();
  thread_.join();
  std::rethrow_exception(error_);
}

MemberThread::~MemberThread() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void MemberThread::call(const std::function<void()>& task) {
  if (!thread_.joinable()) return task();
  std::unique_lock lock(mutex_);
  task_ = &task;
  error_ = nullptr;
  changed_.notify_all();
  changed_.wait(lock, [this] { return task_ == nullptr; });
  if (error_) std::rethrow_exception(error_);
}

void MemberThread::serve(std::vector<UniqueFd> tasks_files) {
  std::unique_lock lock(mutex_);
  try {
    for (const auto& tasks : tasks_files) {
      if (::write(tasks.get(), "0", 1) != 1)
        throw_errno("move the keeper's thread into the slot cgroup", errno);
    }
  } catch (...) {
    error_ = std::current_exception();
    stop_ = true;
  }
  joined_ = true;
  changed_.notify_all();
  while (!stop_) {
    changed_.wait(lock, [this] { return task_ != nullptr || stop_; });
    if (task_ == nullptr) continue;
    const auto* task = task_;
    lock.unlock();
    std::exception_ptr error;
    try {
      (*task)();
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    error_ = error;
    task_ = nullptr;
    changed_.notify_all();
  }
}

}  // namespace codearena::sandbox
