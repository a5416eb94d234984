// A thread of the box keeper that carries out the main thread's orders, one at a time: the
// keeper's worker thread and its spawning threads are each one.
//
// The thread runs only its set-up and the orders it is given, and never throws: an order tells
// its failure in what it returns, so that a thread under the box's seccomp filter makes no call
// of its own beyond futex (a call the filter does not allow would wait on the listener, in a
// run's name). Every call is for the keeper's main thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace codearena::sandbox {

class KeeperThread {
 public:
  // Carried out on the thread; returns why it failed, or an empty string when it did its work.
  // It must not throw.
  using Order = std::function<std::string()>;

  // Starts the thread, named `role` in errors, which carries out `set_up` first; once that
  // failed, the thread takes no order. Throws SandboxError when the thread cannot start.
  KeeperThread(std::string role, Order set_up);
  // Stops the thread once its current order is done.
  ~KeeperThread();
  KeeperThread(const KeeperThread&) = delete;
  KeeperThread& operator=(const KeeperThread&) = delete;

  // Hands `order` to the thread once it has done the last one, and returns at once. Throws
  // SandboxError, and gives nothing, when the last order's failure is not yet reported or the
  // set-up failed.
  void give(Order order);
  // Waits until the thread has done its last order; throws SandboxError naming the role when
  // the set-up failed, or that order did (each order's failure is reported once).
  void wait_idle();
  // give(order), then wait_idle().
  void carry_out(Order order);

 private:
  void serve();
  // Waits until the thread is idle, then reports the failure of its set-up or of the last order.
  std::unique_lock<std::mutex> lock_when_idle();

  const std::string role_;
  std::mutex mutex_;
  std::condition_variable changed_;
  Order order_;                // Given and not yet done: empty when the thread is idle.
  bool stopping_ = false;
  std::string failure_;        // Of the last order, empty when it was done or reported.
  std::string set_up_failure_;
  std::thread thread_;
};

}  // namespace codearena::sandbox
