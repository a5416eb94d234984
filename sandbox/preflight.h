// The start-up check of the kernel facilities the sandbox needs, so that a machine or container
// lacking one fails when the engine starts, with the facility and what grants it named, and not
// at its first run.
#pragma once

#include <cstdint>
#include <string>

namespace codearena::sandbox {

// Where the docs explain the privileges the sandbox needs and how a container gets them.
constexpr const char* kPrivilegesDoc = "docs/sandbox.md#privileges";

// What the probe of one facility is given.
struct PreflightPlan {
  std::string mount_point;  // An existing directory to mount a tmpfs on (in a private mount
                            // namespace: the host never sees it).
  uint32_t uid = 61000;     // A slot's uid and gid, to switch to.
  std::string seccomp_filter;  // build_seccomp_filter()'s program, to load.
};

// In a throwaway child process, tries every kernel facility a slot's box uses, in the order the
// box uses them: mount, IPC, UTS, network, cgroup and PID namespaces, a tmpfs and a /proc mount,
// resource limits, the switch to a slot's uid and gid, and a seccomp filter with a
// user-notification listener. Throws SandboxError for the first that fails (see
// missing_facility). Blocks for the few milliseconds the child takes; callable from a
// multi-threaded process (the child makes system calls only).
void check_kernel_facilities(const PreflightPlan& plan);

// The message for a facility that failed: "cannot <facility>: <error> (<grant>; see
// docs/sandbox.md#privileges)".
std::string missing_facility(const std::string& facility, const std::string& error,
                             const std::string& grant);

// What grants the cgroup facilities (a writable hierarchy with the controllers delegated), for
// the cgroup set-up's errors.
extern const char* const kCgroupGrant;

}  // namespace codearena::sandbox
