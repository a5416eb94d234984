// The slots of a Sandbox and who holds them: internal to sandbox/, and used by the engine's
// own tests and benchmarks to pin runs to one slot (to look at what a run leaves behind).
//
// A SlotPool creates one Slot (sandbox/supervisor.h) per configured slot, each with its uid and
// cgroup, and lends them out one holder at a time. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/cgroup.h"
#include "sandbox/preflight.h"
#include "sandbox/sandbox.h"
#include "sandbox/supervisor.h"

namespace codearena::sandbox {

class SlotPool {
 public:
  // `config` is complete (helper path and binds resolved). Creates every slot's cgroup after
  // removing those of engines that are gone; throws SandboxError naming what failed.
  explicit SlotPool(const SandboxConfig& config);
  // Destroys every slot (stopping its keeper) and removes its cgroup. No lease may be held.
  ~SlotPool();
  SlotPool(const SlotPool&) = delete;
  SlotPool& operator=(const SlotPool&) = delete;

  // Exclusive use of one slot until the lease is destroyed.
  class Lease {
   public:
    Lease(SlotPool& owner, Slot& slot) : owner_(&owner), slot_(&slot) {}
    Lease(Lease&& other) noexcept : owner_(other.owner_), slot_(other.slot_) {
      other.slot_ = nullptr;
    }
    Lease(const Lease&) = delete;
    ~Lease();
    Slot& operator*() const { return *slot_; }
    Slot* operator->() const { return slot_; }

   private:
    SlotPool* owner_;
    Slot* slot_;
  };
  // Waits for a free slot.
  Lease acquire();
  // Like acquire(), but gives up and returns nothing as soon as `token` is cancelled.
  std::optional<Lease> acquire(CancelToken& token);

  // Tries every kernel facility a box needs; throws SandboxError naming the first missing
  // (check_kernel_facilities). Blocks a few milliseconds; any thread.
  void check_facilities() const;

  size_t free_count();
  size_t size() const { return slots_.size(); }
  const char* cgroup_version() const { return backend_->version(); }

 private:
  void release(Slot* slot);
  Slot* take_free_slot();  // Needs mutex_ held and a free slot.

  PreflightPlan facilities_;
  std::unique_ptr<CgroupBackend> backend_;
  // Each slot's cgroup name if it is this engine's own (removed at the end), or empty if kept.
  std::vector<std::string> owned_cgroups_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex mutex_;
  std::condition_variable slot_freed_;
  std::vector<Slot*> free_;
};

}  // namespace codearena::sandbox
