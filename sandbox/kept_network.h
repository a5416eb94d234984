// Network namespaces kept between the calls of one-shot engines (the command line).
//
// Making a network namespace costs the kernel about half a millisecond (its sysctl tables, a
// loopback device, per-namespace counters) and tearing it down as much again, later, on another
// core: more than the rest of a call's set-up. A slot's namespace already outlives its runs in
// a long-lived engine; a call of the command line keeps its namespace for the next call the
// same way. Each kept namespace is a bind mount at <dir>/<n> beside a lock file <dir>/<n>.lock,
// which one engine at a time holds (flock) for as long as it may use the namespace, and which
// reads "clean" only while no process of a run is in the namespace and no socket is left in
// it. A namespace found any other way (its engine died, a socket outlived its run, the mount is
// gone) is replaced by a new one before it is used. The lock also gives the engine the slot
// cgroup named after the namespace, kept between calls too (sandbox.cc).
#pragma once

#include <optional>
#include <string>

#include "sandbox/fs_util.h"

namespace codearena::sandbox {

class KeptNetworkNamespace {
 public:
  // The first of the namespaces <dir>/0 .. <dir>/<limit - 1> that no other engine holds, made
  // new unless it was left clean; marked in use until release(). Nothing when every one is
  // held. Makes `dir` (0700) if missing. Throws SandboxError naming the failed step.
  static std::optional<KeptNetworkNamespace> take(const std::string& dir, int limit);

  // The namespace, for a join message or setns(2); owned by this object.
  int fd() const { return namespace_.get(); }
  // Its number n: the lock also keeps the slot cgroup kept_slot_cgroup_name(n) to this engine.
  int number() const { return number_; }
  // True when no keeper of an earlier engine can be alive for it: the engine before left it
  // clean (its keeper was killed or reaped), or no engine took it before. Not after an engine
  // killed mid-call, whose keeper may live on for a moment holding the join files of the slot
  // cgroup kept with the namespace.
  bool no_keeper_left() const { return no_keeper_left_; }

  // Marks the namespace clean for the next engine if no UNIX socket is left in it, and lets it
  // go. Call only once no process of a run can be in the namespace any more (the slot's cgroup
  // is empty or its keeper reaped). Never throws: a namespace not marked clean is replaced by
  // its next user.
  void release() noexcept;

 private:
  KeptNetworkNamespace(int number, bool no_keeper_left, UniqueFd lock, UniqueFd ns)
      : number_(number),
        no_keeper_left_(no_keeper_left),
        lock_(std::move(lock)),
        namespace_(std::move(ns)) {}

  int number_;
  bool no_keeper_left_;

  UniqueFd lock_;  // The lock file, flock'ed: released when this descriptor closes.
  UniqueFd namespace_;
};

}  // namespace codearena::sandbox
