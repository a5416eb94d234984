// The box keeper's second thread: while a run goes on it makes the IPC namespace of the next run,
// so that making one does not lie between two runs.
//
// Being a thread of the slot's PID 1, it holds process number 2 of the namespace for the
// keeper's life (the spawning threads hold 3 and 4), and kill(-1) from the keeper spares it. It
// is in no namespace a run uses once that run is over: it makes each next IPC namespace from a
// new one of its own, and follows the keeper into a new network namespace (follow_network).
// Every call is for the keeper's main thread.
#pragma once

#include <string>

#include "sandbox/fs_util.h"
#include "sandbox/keeper_thread.h"

namespace codearena::sandbox {

class KeeperWorker {
 public:
  // Starts the thread and has it make the first next IPC namespace. Call from the keeper once
  // its root is built and its capabilities dropped (the thread inherits both, and SIGCHLD
  // blocked). Throws SandboxError when the thread cannot start.
  KeeperWorker();
  // Stops the thread once its current task is done.
  ~KeeperWorker();
  KeeperWorker(const KeeperWorker&) = delete;
  KeeperWorker& operator=(const KeeperWorker&) = delete;

  // Moves the calling thread into the IPC namespace made for the next run, once the worker has
  // done its last tasks, and returns that namespace (a /proc ns file, close-on-exec). Throws
  // SandboxError when those or the move failed.
  UniqueFd enter_next_ipc_namespace();
  // Has the worker make the IPC namespace after that. Call after enter_next_ipc_namespace().
  void start();
  // Waits until the worker has nothing to do; throws SandboxError when its last task failed.
  void wait_idle();
  // Has the worker enter the network namespace of the keeper (PID 1), so the one the keeper
  // left is not held, and waits for it. Throws SandboxError on failure.
  void follow_network();

 private:
  std::string make_next_ipc_namespace();

  UniqueFd next_ipc_;    // The IPC namespace made for the next run.
  KeeperThread thread_;  // Last: it stops before the members it uses go.
};

}  // namespace codearena::sandbox
