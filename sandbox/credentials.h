// Dropping every privilege before the program starts.
//
// Called in the freshly cloned child, between the box keeper (root in the box's namespaces) and
// execve, possibly under the box's seccomp filter already. Async-signal-safe: no allocation, no locks, only system calls, each acting on the
// calling thread alone.
#pragma once

#include <cstdint>

namespace codearena::sandbox {

// Empties the capability bounding set (capabilities `0..last_capability`, from
// /proc/sys/kernel/cap_last_cap). The box keeper does this once for all its children: the set
// only limits what an execve may grant, and the keeper itself never executes anything again, so
// it keeps the capabilities it holds. Returns 0 or errno.
int drop_bounding_set(int last_capability);

// Becomes uid/gid with no supplementary groups and no capabilities in any remaining set
// (effective, permitted, inheritable, ambient; the bounding set is already empty), and sets
// no_new_privs so nothing executed later can gain any. Returns 0, or the errno of the failing
// step with `*step` naming it.
int drop_privileges(uint32_t uid, uint32_t gid, const char** step);

}  // namespace codearena::sandbox
