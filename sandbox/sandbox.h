// The sandbox engine: the public face of sandbox/.
//
// A Sandbox owns a fixed number of slots. Each slot has its own unprivileged uid, cgroup, and
// box keeper living in private namespaces (see box_keeper.h), so runs on different slots are
// isolated from each other as well as from the host. Creating a Sandbox needs root (namespaces,
// cgroups, mounts); it throws SandboxError when the machine lacks something, naming it.
//
//   Sandbox sandbox(SandboxConfig{});
//   RunResult result = sandbox.run(request);   // blocks until a slot is free and the run ends
//
// Thread-safe: run() may be called from many threads at once; each call takes a free slot. A
// run whose request carries a cancel token ends as RunStatus::kCancelled when the token is
// cancelled, also while it still waits for a slot.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/cgroup.h"
#include "sandbox/mounts.h"
#include "sandbox/run_spec.h"
#include "sandbox/supervisor.h"

namespace codearena::sandbox {

struct SandboxConfig {
  int slots = 1;
  // Slot i runs its programs as uid and gid first_uid + i; no other process should use them.
  uint32_t first_uid = 61000;
  // codearena-box; empty means "beside the running executable".
  std::string helper_path;
  // Path inside the cgroup hierarchy to create slots under; empty means "<own cgroup>/codearena".
  std::string cgroup_parent;
  // Where each slot's root is assembled (in the slot's private mount namespace).
  std::string staging_dir = "/run/codearena/root";
  // Host paths shown read-only in the box; empty means default_read_only_binds().
  std::vector<ReadOnlyBind> binds;
};

class Sandbox {
 public:
  explicit Sandbox(SandboxConfig config);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Runs the request on the first free slot, waiting for one if all are busy (or until the
  // request's cancel token is cancelled).
  RunResult run(const RunRequest& request);

  // Exclusive use of one slot until the lease is destroyed (for callers that pin work to a
  // slot, such as tests checking what a run leaves behind).
  class Lease {
   public:
    Lease(Sandbox& owner, Slot& slot) : owner_(&owner), slot_(&slot) {}
    Lease(Lease&& other) noexcept : owner_(other.owner_), slot_(other.slot_) {
      other.slot_ = nullptr;
    }
    Lease(const Lease&) = delete;
    ~Lease();
    Slot& operator*() const { return *slot_; }
    Slot* operator->() const { return slot_; }

   private:
    Sandbox* owner_;
    Slot* slot_;
  };
  Lease acquire();
  // Like acquire(), but gives up and returns nothing as soon as `token` is cancelled.
  std::optional<Lease> acquire(CancelToken& token);

  // How many slots are free at this moment (for sizing parallel work; it may change at once).
  size_t free_slot_count();

  size_t slot_count() const { return slots_.size(); }
  const char* cgroup_version() const { return backend_->version(); }

 private:
  void release(Slot* slot);
  Slot* take_free_slot();  // Needs mutex_ held and a free slot.

  SandboxConfig config_;
  std::unique_ptr<CgroupBackend> backend_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::mutex mutex_;
  std::condition_variable slot_freed_;
  std::vector<Slot*> free_;
};

// The directory of the running executable (from /proc/self/exe).
std::string executable_dir();

}  // namespace codearena::sandbox
