#include "sandbox/keeper_thread.h"

#include <system_error>
#include <utility>

#include "sandbox/errors.h"

namespace codearena::sandbox {

KeeperThread::KeeperThread(std::string role, Order set_up)
    : role_(std::move(role)), order_(std::move(set_up)) {
  try {
    thread_ = std::thread([this] { serve(); });
  } catch (const std::system_error& error) {
    throw SandboxError("start " + role_ + ": " + error.what());
  }
}

KeeperThread::~KeeperThread() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void KeeperThread::give(Order order) {
  auto lock = lock_when_idle();
  order_ = std::move(order);
  changed_.notify_all();
}

void KeeperThread::wait_idle() { lock_when_idle(); }

void KeeperThread::carry_out(Order order) {
  give(std::move(order));
  wait_idle();
}

std::unique_lock<std::mutex> KeeperThread::lock_when_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [this] { return !order_; });
  if (!set_up_failure_.empty()) throw SandboxError(role_ + ": " + set_up_failure_);
  if (!failure_.empty()) throw SandboxError(role_ + ": " + std::exchange(failure_, ""));
  return lock;
}

void KeeperThread::serve() {
  std::unique_lock<std::mutex> lock(mutex_);
  set_up_failure_ = order_();
  order_ = nullptr;
  changed_.notify_all();
  for (;;) {
    changed_.wait(lock, [this] { return order_ || stopping_; });
    if (stopping_) return;
    lock.unlock();
    std::string failure = order_();
    lock.lock();
    failure_ = std::move(failure);
    order_ = nullptr;
    changed_.notify_all();
  }
}

}  // namespace codearena::sandbox
