// The sandbox engine: the public face of sandbox/. It runs one command under limits and knows
// nothing of languages (judge/ builds on it).
//
// A Sandbox owns a fixed number of slots. Each slot has its own unprivileged uid, cgroup, and
// box keeper living in private namespaces (see box_keeper.h), so runs on different slots are
// isolated from each other as well as from the host.
//
//   Sandbox sandbox(SandboxConfig{});
//   RunResult result = sandbox.run(request);   // blocks until a slot is free and the run ends
//
// Thread-safe: every call may come from any thread at once, except the destructor.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sandbox/run_spec.h"

namespace codearena::sandbox {

// A host path shown read-only at the same path in the box. A host symlink (merged-/usr
// systems' /bin -> usr/bin) is recreated as the same symlink instead.
struct ReadOnlyBind {
  std::string path;
  bool optional = true;  // Skip silently when the host has no such path.
};

// The binds used when the configuration names none: system directories, the linker cache and
// the alternatives symlinks Debian's runtimes resolve through.
std::vector<ReadOnlyBind> default_read_only_binds();

// Throws SandboxError naming why `path` cannot be a read-only bind: "/", a path at or under
// /box, /tmp, /proc, /dev or /sys, or one with ".", "..", an empty part or a symlink among its
// parents (which would walk around those checks). The Sandbox constructor checks every bind.
void check_read_only_bind(const std::string& path);

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
  // True: the constructor tries every kernel facility the box needs and throws for the first
  // one missing. False: that check (a few milliseconds of namespaces and processes) runs only
  // if a run fails inside the sandbox, and run() then throws what it finds; for callers that
  // make one engine per run, such as the command line.
  bool check_at_start = true;
  // True: the destructor waits for each slot's keeper to exit. False: a keeper whose slot holds
  // no process any more is killed and not waited for: the kernel tears its namespaces down (and
  // the box's files with them) while this process goes on, and init (or the nearest subreaper)
  // reaps it once this process has exited. For callers that exit right after, such as the
  // command line (docs/sandbox.md). Either way a keeper parked for the next engine
  // (kept_network_dir) is not waited for.
  bool wait_for_keepers = true;
  // False: each slot's keeper starts on the slot's first run. True: the constructor starts them
  // before it makes the slots' cgroups, so each keeper builds its box while the cgroups are
  // made; for callers that run at once, such as the command line.
  bool keepers_at_start = false;
  // With keepers_at_start: where the keepers' network namespaces are kept for the next engine
  // (sandbox/kept_network.h), so that a call does not make and tear down one of its own, and
  // where a keeper left clean is parked for the next engine with the same setup to adopt
  // (sandbox/parked_keeper.h); empty: each keeper gets a new one and is stopped at the end. For
  // callers that make one engine per call.
  std::string kept_network_dir;
  // With kept_network_dir: how long a keeper left parked by a clean call (parked_keeper.h)
  // waits for the next call with the same setup before it exits.
  int parked_keeper_idle_ms = 60'000;
  // How long a new keeper may take to build its box and say it is ready; a keeper that takes
  // longer (a mount stuck in the kernel, say) is killed and the run fails with that reason.
  int keeper_start_timeout_ms = 30'000;
};

class SlotPool;  // sandbox/slots.h: the slots and who holds them.

class Sandbox {
 public:
  // Creates the slots' cgroups (removing those of engines that are gone) and prepares the
  // seccomp filters; each slot's keeper starts on its first run or, with keepers_at_start, here.
  // Needs root (namespaces, cgroups, mounts); throws SandboxError naming what the machine lacks
  // or the config gets wrong (what it lacks only when config.check_at_start).
  explicit Sandbox(SandboxConfig config);
  // Stops every slot's keeper and removes the slots' cgroups. No run may be in progress.
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Runs the request on the first free slot, waiting for one if all are busy, and blocks until
  // the run ends. What the program or the machine did comes back in the result (the sandbox's
  // own failures as RunStatus::kInternalError); a cancelled token ends the run, or the wait for
  // a slot, as RunStatus::kCancelled. Throws SandboxError for an invalid request (a file name
  // with '/', an unreadable host file, limits RunLimits::problem() rejects) and, without
  // check_at_start, for a kernel facility found missing after a run failed inside the sandbox.
  RunResult run(const RunRequest& request);

  // How many slots are free at this moment (for sizing parallel work; it may change at once).
  size_t free_slot_count();
  size_t slot_count() const;
  const char* cgroup_version() const;  // "v1" or "v2".

  // The slots themselves, for the engine's own tests and benchmarks that pin runs to one slot
  // (sandbox/slots.h); not for other callers.
  SlotPool& slots() { return *slots_; }

 private:
  RunResult run_on_a_free_slot(const RunRequest& request);

  bool check_at_start_;
  std::unique_ptr<SlotPool> slots_;
  std::atomic<bool> facilities_proven_{false};  // A run got through the whole box once.
};

// The directory of the running executable (from /proc/self/exe). Throws SandboxError.
std::string executable_dir();

}  // namespace codearena::sandbox
