// Control groups: per-slot resource limits and precise accounting.
//
// A CgroupBackend (v1 or v2, detected at start) creates one SlotCgroup per sandbox slot. Slot
// cgroups are created once and reused for every run of that slot: a run's figures are measured
// against a baseline taken when the previous run ended, because creating a cgroup per run costs
// more than the run itself on small programs. A SlotCgroup is used by one thread at a time.
// Errors are thrown as SandboxError naming the file.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sandbox/run_spec.h"

namespace codearena::sandbox {

// What one run used, relative to the baseline taken by begin_run().
struct CgroupUsage {
  int64_t cpu_ns = 0;  // All processes and threads.
  int64_t memory_peak_bytes = 0;
  int64_t oom_kills = 0;          // The kernel's OOM killer acted inside the cgroup.
  int64_t memory_limit_hits = 0;  // Allocations that reached the limit (reclaimed or failed).
};

// Page cache an earlier run left charged to a slot is reclaimed before the next run when it is
// more than this (v2 reclaims the excess; v1 can only empty the cgroup, memory.force_empty).
// Below it, keeping the cache (the C library, an interpreter) saves every run reading it again;
// above it, the leftover would be reclaimed during the next run, which then reads low on memory
// and sees limit hits that are not its own.
int64_t leftover_memory_bound(int64_t memory_limit_bytes);

class SlotCgroup {
 public:
  virtual ~SlotCgroup() = default;

  // Writes the memory, pids and CPU quota limits; values equal to the last written are skipped.
  virtual void apply_limits(const RunLimits& limits) = 0;
  // Reclaims leftover memory above leftover_memory_bound(), resets the peak counters and
  // records baselines. Call with the cgroup empty, after apply_limits().
  virtual void begin_run() = 0;
  // Reads usage since begin_run(). Call after every process of the run has ended.
  virtual CgroupUsage end_run() = 0;
  // CPU time used so far in this run, for enforcing the CPU limit while the run goes on.
  virtual int64_t cpu_ns_so_far() = 0;
  // Called periodically during a run; lets backends without a resettable peak sample usage.
  virtual void sample() {}
  // The files (one per hierarchy) a process of a single thread writes "0" to, each, to move
  // itself in. On v1 these are the `tasks` files: moving the writing thread alone needs no
  // cgroup_threadgroup_rwsem, whose first writer waits for an RCU grace period (docs/sandbox.md).
  virtual std::vector<std::string> join_files() const = 0;
  // True while any process (or thread) is in the cgroup, as of the call (never a cached list).
  // May be called from any thread, also while a run goes on. Throws SandboxError naming the file.
  virtual bool holds_processes() const = 0;
  // Bytes of tmpfs and shared memory charged to the cgroup (memory.stat's shmem): without swap
  // no reclaim frees them, only their files' release. Throws SandboxError naming the file.
  virtual int64_t shared_memory_bytes() const = 0;
};

class CgroupBackend {
 public:
  virtual ~CgroupBackend() = default;
  // "v1" or "v2".
  virtual const char* version() const = 0;
  // Creates (or takes over) the slot cgroup `name` under the backend's parent cgroup.
  virtual std::unique_ptr<SlotCgroup> create_slot(const std::string& name) = 0;
  // Removes a slot cgroup created by create_slot, in every hierarchy it exists in; it must be
  // empty. Parts already gone are skipped.
  virtual void remove_slot(const std::string& name) = 0;
  // Names of the slot cgroups under the parent, found in any hierarchy (v1: a slot may be left
  // in some hierarchies only, e.g. after a hard kill during its removal, or in the memory one
  // of another cgroup since the memory parent follows the engine's own memory cgroup).
  virtual std::vector<std::string> slot_names() const = 0;
};

// The name of slot `index`'s cgroup for this engine: "<engine pid>-<index>", so engines sharing
// a machine (tests running in parallel) never share a cgroup.
std::string slot_cgroup_name(int index);

// The name of the slot cgroup kept between calls with kept network namespace `number`
// (sandbox/kept_network.h): "kept-<number>", which remove_stale_slot_cgroups() leaves alone.
std::string kept_slot_cgroup_name(int number);

// Removes, in every hierarchy, the slot cgroups of engines that are gone (a process killed
// hard leaves its slot cgroups behind): those named "<pid>-<index>" with no process `pid`.
void remove_stale_slot_cgroups(CgroupBackend& backend);

// Where a backend lives: for v2 one directory; for v1 one directory per controller
// ("memory", "pids", "cpu", "cpuacct"; co-mounted controllers may share a directory).
struct CgroupLocation {
  std::string v2_parent;
  std::map<std::string, std::string> v1_parents;
  // v2 only: the own cgroup that must hand its controllers down (this process moves into a
  // leaf below it first, since a v2 cgroup with processes cannot have controlled children).
  std::string v2_delegate_from;
};

// What the detection reads from the system, separated so it can be tested on other layouts.
struct CgroupSystemView {
  std::string mountinfo;    // /proc/self/mountinfo
  std::string self_cgroup;  // /proc/self/cgroup
  std::function<std::string(const std::string& mount_point)>
      read_controllers;  // cgroup.controllers
};

// Picks the hierarchy and the slots' parent directories from `view` (see detect_cgroups).
CgroupLocation choose_cgroup_location(const CgroupSystemView& view, const std::string& subgroup,
                                      const std::string& parent_override);

// Finds the cgroup hierarchy of this process from /proc/self/mountinfo and /proc/self/cgroup and
// prepares `<own cgroup>/<subgroup>` as the parent of the slots (cgroup v2 if it has the memory,
// pids and cpu controllers, else v1). With `parent_override` (a path inside the hierarchy, such
// as "/codearena"), that path is used instead of the own cgroup.
CgroupLocation detect_cgroups(const std::string& subgroup, const std::string& parent_override);

std::unique_ptr<CgroupBackend> make_cgroup_backend(const CgroupLocation& location);

}  // namespace codearena::sandbox
