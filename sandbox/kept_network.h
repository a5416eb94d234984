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
//
// Instead of "clean" the lock may read "parked <pid> <start ticks> <fd> <setup digest>": the
// namespace is clean and the keeper left parked in it waits for the next engine
// (parked_keeper.h). An engine that takes such a lock marks it "in use <pid> <start ticks>",
// so that, killed before it ends, it names the keeper for the next engine to kill.
#pragma once

#include <optional>
#include <string>

#include "sandbox/fs_util.h"
#include "sandbox/parked_keeper.h"

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
  // clean (its keeper was killed or reaped) or parked its keeper there, or no engine took it
  // before. Not after an engine killed mid-call, whose keeper may live on for a moment holding
  // the join files of the slot cgroup kept with the namespace. A parked keeper starts nothing
  // but for the engine holding its socket end: the taker adopts it or kills it (parked()).
  bool no_keeper_left() const { return no_keeper_left_; }

  // The keeper the engine before left parked in the namespace, if it did: the taker adopts it
  // or kills it before it uses the namespace.
  const std::optional<ParkedKeeper>& parked() const { return parked_; }
  // The keeper of an engine that took the namespace and did not end cleanly (killed mid-call,
  // say), when that engine named it; it may still be alive.
  const std::optional<KeeperRecord>& left_in_use() const { return left_in_use_; }

  // True when a UNIX socket is left in the namespace (or that cannot be read).
  bool holds_sockets() const noexcept;

  // Marks the namespace clean for the next engine if no UNIX socket is left in it, and lets it
  // go. Call only once no process of a run can be in the namespace any more (the slot's cgroup
  // is empty or its keeper reaped). Never throws: a namespace not marked clean is replaced by
  // its next user.
  void release() noexcept;
  // Marks the namespace as holding the parked keeper `parked`, and lets it go. Call only when
  // holds_sockets() said false with no process of a run in the namespace since. Never throws.
  void release_parked(const ParkedKeeper& parked) noexcept;

 private:
  KeptNetworkNamespace(int number, bool no_keeper_left, UniqueFd lock, UniqueFd ns)
      : number_(number),
        no_keeper_left_(no_keeper_left),
        lock_(std::move(lock)),
        namespace_(std::move(ns)) {}

  // Writes `state` (unless empty) to the lock file, then lets the lock and namespace go; a lock
  // that cannot be written is left "in use".
  void let_go(const std::string& state) noexcept;

  int number_;
  bool no_keeper_left_;
  std::optional<ParkedKeeper> parked_;
  std::optional<KeeperRecord> left_in_use_;

  UniqueFd lock_;  // The lock file, flock'ed: released when this descriptor closes.
  UniqueFd namespace_;
};

}  // namespace codearena::sandbox
