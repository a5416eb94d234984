#include "sandbox/cancel.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/errors.h"

namespace codearena::sandbox {

CancelToken::CancelToken() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (!fd_.valid()) throw_errno("eventfd", errno);
}

void CancelToken::cancel() {
  if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
  const uint64_t one = 1;
  // Cannot fail: the counter is written once, far below its maximum.
  [[maybe_unused]] const ssize_t written = ::write(fd_.get(), &one, sizeof one);
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [id, callback] : callbacks_) callback();
  callbacks_.clear();
}

CancelToken::Subscription CancelToken::on_cancel(std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // cancel() sets the flag before taking the lock, so a callback added while the flag is
    // still clear is certain to be seen by it.
    if (!cancelled()) {
      const uint64_t id = next_id_++;
      callbacks_.emplace(id, std::move(callback));
      return Subscription(this, id);
    }
  }
  callback();
  return Subscription();
}

CancelToken::Subscription::~Subscription() {
  if (token_ == nullptr) return;
  std::lock_guard<std::mutex> lock(token_->mutex_);
  token_->callbacks_.erase(id_);
}

}  // namespace codearena::sandbox
