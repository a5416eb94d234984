#include "sandbox/handover.h"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "sandbox/errors.h"

namespace codearena::sandbox {
namespace {

// A job's source is at most this large in practice; the kernel may grant less.
constexpr int kWantedPipeBytes = 1 << 20;

}  // namespace

Handover::Handover(std::string ready_line, int64_t warm_up_cpu_ms, int64_t max_wait_ms)
    : ready_line_(std::move(ready_line)),
      warm_up_cpu_ms_(warm_up_cpu_ms),
      max_wait_ms_(max_wait_ms) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw_errno("pipe2 for a hand-over", errno);
  read_.reset(ends[0]);
  write_.reset(ends[1]);
  // The engine never waits on the box: should anything but the engine fill the pipe, deliver()
  // fails at once instead of blocking the slot's watcher (and with it the run's limits).
  if (::fcntl(write_.get(), F_SETFL, O_NONBLOCK) != 0)
    throw_errno("make the hand-over pipe non-blocking", errno);
  const int granted = ::fcntl(write_.get(), F_SETPIPE_SZ, kWantedPipeBytes);
  const int capacity = granted > 0 ? granted : ::fcntl(write_.get(), F_GETPIPE_SZ);
  capacity_ = capacity > 0 ? static_cast<size_t>(capacity) : 0;
  handed_over_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!handed_over_.valid()) throw_errno("eventfd for a hand-over", errno);
}

bool Handover::hand_over(std::string input) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!ready() || handed_ || input.size() > capacity_) return false;
  input_ = std::move(input);
  handed_ = true;
  const uint64_t one = 1;
  return ::write(handed_over_.get(), &one, sizeof one) == sizeof one;
}

size_t Handover::unread_bytes() const {
  int unread = 0;
  if (::ioctl(read_.get(), FIONREAD, &unread) != 0 || unread < 0) return 0;
  return static_cast<size_t>(unread);
}

// Only the agreed line counts: a warning the program's runtime prints while it starts is not
// readiness, and a job handed over early would pay for the rest of the warm-up.
void Handover::note_output(const char* data, size_t size) {
  for (size_t i = 0; i < size && !ready(); ++i) {
    if (data[i] != '\n') {
      if (line_.size() <= ready_line_.size()) line_.push_back(data[i]);
      continue;
    }
    if (line_ == ready_line_) ready_.store(true, std::memory_order_release);
    line_.clear();
  }
}

bool Handover::deliver() {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t written = 0;
  while (written < input_.size()) {
    const ssize_t n = ::write(write_.get(), input_.data() + written, input_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  const bool whole = written == input_.size();
  write_.reset();
  input_.clear();
  input_.shrink_to_fit();
  delivered_.store(true, std::memory_order_release);
  return whole;
}

}  // namespace codearena::sandbox
