// A bound on how long a process may take to tear itself down after its work is done.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace codearena::app {

// Once armed, ends the process with _exit(exit_code) unless the object is destroyed within the
// limit; `on_expiry` runs first (to log why). Declare it before the objects whose destructors
// it guards, so that it is destroyed, and disarmed, after them.
//
// The node needs this because CAF 0.17's runtime can wait forever in its destructor for a
// detached actor that a message stuck in a closed network connection still references.
// Not copyable; arm() is called at most once, from the owning thread.
class TeardownDeadline {
 public:
  TeardownDeadline() = default;
  TeardownDeadline(const TeardownDeadline&) = delete;
  TeardownDeadline& operator=(const TeardownDeadline&) = delete;
  ~TeardownDeadline();

  void arm(std::chrono::milliseconds limit, int exit_code, std::function<void()> on_expiry);

 private:
  std::mutex mutex_;
  std::condition_variable disarmed_signal_;
  bool disarmed_ = false;
  std::thread watchdog_;
};

}  // namespace codearena::app
