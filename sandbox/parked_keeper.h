// Box keepers parked between the calls of one-shot engines (the command line).
//
// A call that ends with its slot clean (the conditions under which its kept network namespace
// is marked clean, kept_network.h) leaves its keeper running, parked: the keeper holds the
// engine's end of its control socket, has a fresh /box and /tmp, and waits for the next call.
// The lock file of the kept namespace records it (pid, start time, descriptor number and the
// digest of its setup); the next call with the same setup takes the socket end from it with
// pidfd_getfd(2) and joins it, skipping the keeper's start. Only a process verified to be the
// recorded keeper (its start time, its executable, the kept namespace it is in) is ever
// adopted or signalled.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "sandbox/fs_util.h"
#include "sandbox/mounts.h"
#include "sandbox/namespaces.h"

namespace codearena::sandbox {

// A network namespace: the device and inode of its nsfs file; zero for none.
struct NamespaceId {
  uint64_t device = 0;
  uint64_t inode = 0;
  bool operator==(const NamespaceId& other) const {
    return device == other.device && inode == other.inode;
  }
};

// The namespace descriptor `fd` refers to, or zero when it cannot be read. Never throws.
NamespaceId namespace_id(int fd);

// A process as a lock file records it: its pid and its start time in clock ticks since boot
// (field 22 of /proc/<pid>/stat), which a later process with the same pid cannot share.
struct KeeperRecord {
  pid_t pid = 0;
  uint64_t start_ticks = 0;
  // Not written to the lock file: the kept namespace the keeper must be found in, the one at
  // the lock's path when it was read (zero when none was there: then nothing is verified). A
  // lock naming a keeper of another namespace (another call's, parked or mid-run) names no
  // keeper of this one.
  NamespaceId network;
};

// A parked keeper as its engine left it.
struct ParkedKeeper {
  KeeperRecord keeper;
  int engine_end = -1;        // The descriptor number of the socket end in the keeper.
  uint64_t setup_digest = 0;  // setup_digest() of the slot it was started for.
};

// The start time of process `pid`, or nothing when there is no such process.
std::optional<uint64_t> start_ticks_of(pid_t pid);

// What a keeper inherits from the engine that starts it and hands on to every program it
// starts: the umask, personality (ASLR), scheduling (nice, policy, CPU and memory nodes
// allowed, I/O priority, timer slack), resource limits, oom_score_adj, credentials,
// capabilities, seccomp, the root directory and the namespaces but the network one. A keeper
// is adopted only by an engine whose state is the same: otherwise a call would run its program
// with what another caller started with (`nice`, `setarch -R`, `ulimit`, another mount
// namespace). Never throws: what cannot be read is left out.
std::string inherited_process_state();

// What the host paths `binds` are now: the file each names (device and inode), or the target
// of a symlink, or nothing. A keeper binds them into its root when it starts, so a keeper is
// adopted only while each still names what it bound: one that was replaced (a folder renamed
// and made anew at its path, /etc/ld.so.cache written anew) would show the next call the old
// one, a caller's files to the next caller. Never throws.
std::string bind_sources_state(const std::vector<ReadOnlyBind>& binds);

// A pidfd of the recorded keeper, or an invalid descriptor when the process with that pid is
// not it: gone, started at another time, running another executable than `helper_path`, or
// in another network namespace than `record.network` (or that is zero).
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
