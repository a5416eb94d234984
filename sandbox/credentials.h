// Dropping every privilege before the program starts.
//
// Called in the freshly cloned child, between the box keeper (root in the box's namespaces) and
// execve. Async-signal-safe: no allocation, no locks, only system calls.
#pragma once

#include <cstdint>

namespace codearena::sandbox {

// Becomes uid/gid with no supplementary groups and no capabilities in any set (effective,
// permitted, inheritable, bounding, ambient), and sets no_new_privs so nothing executed later
// can gain any. `last_capability` is /proc/sys/kernel/cap_last_cap. Returns 0, or the errno of
// the failing step with `*step` naming it.
int drop_privileges(uint32_t uid, uint32_t gid, int last_capability, const char** step);

}  // namespace codearena::sandbox
