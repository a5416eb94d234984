// Starting a slot's box keeper in its own namespaces.
//
// Each slot gets new mount, PID, IPC, UTS and network namespaces, made once when the slot
// starts. The network namespace has no interface up, not even loopback: there is no network at
// all, and since it is per slot, concurrent runs in different slots cannot reach each other
// through abstract UNIX sockets either. Creating it once per slot costs nothing per run.
#pragma once

#include <sys/types.h>

#include <string>

#include "sandbox/fs_util.h"

namespace codearena::sandbox {

struct KeeperProcess {
  pid_t pid = -1;
  UniqueFd control;                // The engine's end of the SOCK_SEQPACKET control socket.
  bool in_engine_network = false;  // Started without a network namespace of its own.
  // Only for a keeper adopted from an earlier engine (parked_keeper.h), which is not this
  // engine's child: it is signalled through this pidfd, never by its pid, and not reaped.
  UniqueFd pidfd;
};

// Clones a child into fresh namespaces and executes `helper_path` (codearena-box) there with
// its end of the control socket as descriptor 3, /dev/null as 0 and 1, the engine's 2, and no
// other descriptor. Safe to call from a multi-threaded process:
// the child only calls async-signal-safe functions before execve. Throws SandboxError.
// `network_later`: the child stays in the engine's network namespace until its join message
// brings one from fresh_network_namespace() (the engine makes it while the keeper starts).
KeeperProcess spawn_box_keeper(const std::string& helper_path, bool network_later = false);

// A new network namespace (no interface up), as a descriptor for setns(2); the calling thread
// stays in its own. Throws SandboxError naming the failed step.
UniqueFd fresh_network_namespace();

// True when the /proc/net/unix open at `listing` lists a socket. Throws SandboxError naming
// `what` when it cannot be read.
bool lists_unix_sockets(int listing, const std::string& what);

// True when a UNIX socket is left in the network namespace `network_namespace`; the calling
// thread enters it to look and returns to its own. Throws SandboxError naming the failed step.
bool unix_sockets_in(int network_namespace);

// Waits for a keeper that was told to stop (its control socket closed); kills it after
// `grace_ms`.
void reap_box_keeper(pid_t pid, int grace_ms);

}  // namespace codearena::sandbox
