// Cancelling runs and jobs from another thread.
//
// A CancelToken is shared (std::shared_ptr) between whoever may cancel (a DELETE request, a
// judge stopping its other tests) and the runs that watch it. cancel() is idempotent and may be
// called from any thread; everything else of the token is thread-safe as well. A run watches
// the token's fd in its poll loop, so a cancel ends the run at once; code waiting on a condition
// variable subscribes with on_cancel() instead.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "sandbox/fs_util.h"

namespace codearena::sandbox {

class CancelToken {
 public:
  // Throws SandboxError when no eventfd can be made (the process ran out of descriptors).
  CancelToken();
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Marks the token cancelled, makes fd() readable and runs the subscribed callbacks on this
  // thread. Calls after the first do nothing.
  void cancel();

  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

  // An eventfd that becomes readable (POLLIN) when the token is cancelled and stays so; poll it,
  // never read it. Owned by the token.
  int fd() const { return fd_.get(); }

  // Keeps a callback subscribed; unsubscribes when destroyed, waiting for the callback if it is
  // running on another thread at that moment. The token must outlive it.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(CancelToken* token, uint64_t id) : token_(token), id_(id) {}
    Subscription(Subscription&& other) noexcept : token_(other.token_), id_(other.id_) {
      other.token_ = nullptr;
    }
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    Subscription& operator=(Subscription&&) = delete;
    ~Subscription();

   private:
    CancelToken* token_ = nullptr;
    uint64_t id_ = 0;
  };

  // Runs `callback` once, on the cancelling thread, when the token is cancelled while the
  // subscription lives; runs it at once on this thread if the token already is cancelled. The
  // callback must not subscribe to or unsubscribe from this same token.
  [[nodiscard]] Subscription on_cancel(std::function<void()> callback);

 private:
  std::atomic<bool> cancelled_{false};
  UniqueFd fd_;
  std::mutex mutex_;  // Guards callbacks_; held while they run so unsubscribing waits for them.
  std::map<uint64_t, std::function<void()>> callbacks_;
  uint64_t next_id_ = 1;
};

}  // namespace codearena::sandbox
