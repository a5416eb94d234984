// Box keepers parked between the calls of one-shot engines (the command line).
//
// A call that ends with its slot clean (the conditions under which its kept network namespace
// is marked clean, kept_network.h) leaves its keeper running, parked: the keeper holds the
// engine's end of its control socket, has a fresh /box and /tmp, and waits for the next call.
// The lock file of the kept namespace records it (pid, start time, descriptor number and the
// digest of its setup); the next call with the same setup takes the socket end from it with
// pidfd_getfd(2) and joins it, skipping the keeper's start. Only a process verified to be the
// recorded keeper (its start time, its executable) is ever adopted or signalled.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "sandbox/fs_util.h"
#include "sandbox/namespaces.h"

namespace codearena::sandbox {

// A process as a lock file records it: its pid and its start time in clock ticks since boot
// (field 22 of /proc/<pid>/stat), which a later process with the same pid cannot share.
struct KeeperRecord {
  pid_t pid = 0;
  uint64_t start_ticks = 0;
};

// A parked keeper as its engine left it.
struct ParkedKeeper {
  KeeperRecord keeper;
  int engine_end = -1;        // The descriptor number of the socket end in the keeper.
  uint64_t setup_digest = 0;  // setup_digest() of the slot it was started for.
};

// The start time of process `pid`, or nothing when there is no such process.
std::optional<uint64_t> start_ticks_of(pid_t pid);

// A pidfd of the recorded keeper, or an invalid descriptor when the process with that pid is
// not it: gone, started at another time, or running another executable than `helper_path`.
// The start time is read after the pidfd is opened, and the process is alive after both
// checks, so the pidfd refers to the process checked. Never throws.
UniqueFd open_recorded_keeper(const KeeperRecord& record, const std::string& helper_path);

// Takes over the parked keeper `parked`: its control socket (a duplicate of the end it holds)
// and a pidfd to signal it by. Nothing when it is not the recorded keeper or its socket end
// cannot be taken (pidfd_getfd refused without CAP_SYS_PTRACE, or missing); a verified keeper
// that cannot be adopted is killed. The caller sends it its JoinOrder. Never throws.
std::optional<KeeperProcess> adopt_parked_keeper(const ParkedKeeper& parked,
                                                 const std::string& helper_path);

// Kills the recorded keeper (SIGKILL through a pidfd) if it is still the process recorded, and
// signals nothing otherwise. Never throws.
void kill_recorded_keeper(const KeeperRecord& record, const std::string& helper_path);

// Waits up to `grace_ms` for the process of `pidfd` to exit, then kills it; for a keeper this
// engine adopted, whose parent is another process. Never throws.
void stop_adopted_keeper(int pidfd, int grace_ms);

}  // namespace codearena::sandbox
