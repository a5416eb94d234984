#include "app/teardown_deadline.h"

#include <unistd.h>

namespace codearena::app {

void TeardownDeadline::arm(std::chrono::milliseconds limit, int exit_code,
                           std::function<void()> on_expiry) {
  watchdog_ = std::thread([this, limit, exit_code, on_expiry = std::move(on_expiry)] {
    std::unique_lock<std::mutex> lock(mutex_);
    if (disarmed_signal_.wait_for(lock, limit, [this] { return disarmed_; })) return;
    on_expiry();
    ::_exit(exit_code);
  });
}

TeardownDeadline::~TeardownDeadline() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    disarmed_ = true;
  }
  disarmed_signal_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
}

}  // namespace codearena::app
