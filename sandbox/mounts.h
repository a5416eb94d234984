// The box's file system: a minimal, read-only root built with bind mounts.
//
// Runs inside the box keeper, which has its own mount namespace, so nothing here is visible to
// the host. The root is a small tmpfs holding read-only binds of the host's system directories
// (/usr and the like), a generated /etc with no secrets, a /dev with null, zero, random and
// urandom only, and a /proc of the slot's PID namespace; after pivot_root the old root is
// detached and the new one remounted read-only. /box (the working directory) and /tmp are
// fresh size-limited tmpfs mounts, replaced after every run (WorkDirs). Errors throw SandboxError.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sandbox/fs_util.h"  // UniqueFd
#include "sandbox/sandbox.h"  // ReadOnlyBind

namespace codearena::sandbox {

struct RootLayout {
  std::string staging_dir;  // An existing host directory the root is assembled on.
  std::vector<ReadOnlyBind> binds;
  uint32_t uid = 0;  // The slot's unprivileged identity, named "runner" in /etc/passwd.
  uint32_t gid = 0;
};

// Builds the root described above and makes it the process's root. Call once, in a process
// that owns fresh mount and PID namespaces.
void build_box_root(const RootLayout& layout);

// Size and owner of a run's /box and /tmp.
struct WorkDirSizes {
  int64_t box_bytes = 0;
  int64_t tmp_bytes = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool operator==(const WorkDirSizes& other) const;
};

// A run's /box and /tmp: each run gets new, empty tmpfs mounts. The next pair can be made ahead,
// detached and out of every program's reach, so that replacing the used pair between runs
// costs moves and one unmount. For one thread; errors throw SandboxError.
class WorkDirs {
 public:
  // Makes the next /box and /tmp (detached) unless a pair of these sizes is made already.
  void make_next(const WorkDirSizes& sizes);
  // Mounts a new pair at /box and /tmp (made now unless made ahead with these sizes) and
  // unmounts the used pair, if any. Its files and memory are freed when this returns.
  void replace(const WorkDirSizes& sizes);
  // Like replace(), then, should the used pair outlive the unmount (only messages in flight
  // between UNIX sockets can hold it once every process of the run is gone), calls
  // `release_held` and waits, up to 200 ms, until it is shut down and its files freed: their
  // memory is the run's, charged to the slot. With `box_kept` the caller holds files of the
  // used /box itself (collected files, handed on later), so only /tmp is waited for.
  void replace_and_await_release(const WorkDirSizes& sizes, bool box_kept,
                                 const std::function<void()>& release_held);
  // True when a mounted pair holds a file (or more than its root directories): its memory is
  // the last run's.
  bool hold_files() const;

 private:
  void unmount_used();
  void attach_next();

  UniqueFd next_box_;
  UniqueFd next_tmp_;
  WorkDirSizes next_sizes_;
  bool mounted_ = false;  // /box and /tmp hold a pair that programs may have used.
};

}  // namespace codearena::sandbox
