// The box's file system: a minimal, read-only root built with bind mounts.
//
// Runs inside the box keeper, which has its own mount namespace, so nothing here is visible to
// the host. The root is a small tmpfs holding read-only binds of the host's system directories
// (/usr and the like), a generated /etc with no secrets, a /dev with null, zero, random and
// urandom only, and a /proc of the slot's PID namespace; after pivot_root the old root is
// detached and the new one remounted read-only. /box (the working directory) and /tmp are
// fresh size-limited tmpfs mounts, replaced after every run. Errors throw SandboxError.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

// Unmounts the previous run's /box and /tmp (if any) and mounts empty ones owned by uid/gid.
void replace_work_dirs(int64_t box_bytes, int64_t tmp_bytes, uint32_t uid, uint32_t gid);

}  // namespace codearena::sandbox
