// A thread of the box keeper that runs under the box's seccomp filter and clones every run's
// process: the process inherits the filter at its clone, where loading it would cost about
// 0.1 ms of every run (the kernel checks, translates and compiles the program, then tables its
// answers for every call number).
//
// The thread keeps the keeper's credentials (root in the box, capabilities but an empty bounding
// set), which no program shares: a program can neither signal nor trace it, nor read its /proc
// files. It makes only the calls the filter allows (futex, clone without namespace flags, and
// setns into a run's IPC and network namespaces with kSetupCallMarker). Being a thread of the
// slot's PID 1, it holds a process number of the namespace for the keeper's life, and kill(-1)
// from the keeper spares it. The filter, and so its listener, serves every run of the keeper in
// turn: a notification waits in a blocked call of the run's process, and goes when that process
// is killed, so none outlives its run.
#pragma once

#include <sys/types.h>

#include <string>

#include "sandbox/fs_util.h"
#include "sandbox/keeper_thread.h"

namespace codearena::sandbox {

class FilteredSpawner {
 public:
  // Starts the thread, which loads `filter` (the raw classic-BPF program, seccomp_policy.h) with
  // a user-notification listener. Call from the keeper once its root is built and its bounding
  // set emptied (the thread inherits both, and SIGCHLD blocked). Throws SandboxError when the
  // thread cannot start; a filter that cannot be loaded is reported by listener() and spawn().
  explicit FilteredSpawner(std::string filter);
  // Stops the thread.
  ~FilteredSpawner();
  FilteredSpawner(const FilteredSpawner&) = delete;
  FilteredSpawner& operator=(const FilteredSpawner&) = delete;

  // The filter's listener (close-on-exec), owned here. Throws SandboxError when the filter could
  // not be loaded.
  int listener();

  // Has the thread enter the IPC namespace `ipc_namespace` names, then clone a process running
  // entry(arg) on the stack ending at `stack_top` (CLONE_VM | CLONE_VFORK | SIGCHLD: it shares
  // the keeper's memory until its execve or exit, when this returns). The process is a child of
  // the keeper (wait4 from any of its threads reaps it). Returns its pid; throws SandboxError
  // when the filter is not loaded or a step fails.
  pid_t spawn(int ipc_namespace, int (*entry)(void*), void* arg, void* stack_top);
  // Has the thread enter the network namespace of the keeper's main thread (PID 1), and waits
  // for it: call after the keeper moved to a new one, so that no thread holds the old one.
  // Throws SandboxError when the filter is not loaded or the move failed.
  void follow_network();

 private:
  std::string load_filter();
  std::string enter_keeper_network();
  std::string spawn_from_thread(int ipc_namespace, int (*entry)(void*), void* arg,
                                void* stack_top, pid_t* spawned);

  std::string filter_;
  UniqueFd listener_;
  KeeperThread thread_;  // Last: it stops before the members it uses go.
};

}  // namespace codearena::sandbox
