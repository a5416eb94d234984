// The system-call filter every sandboxed program runs under (built with libseccomp).
//
// The policy allows ordinary computation and file I/O and stops everything that reaches outside
// the box: debugging other processes, mounts and namespaces, kernel modules, BPF, perf,
// userfaultfd, keyrings, io_uring, time setting, raw device nodes, personality changes, sockets
// other than AF_UNIX, and the non-native ABIs (i386, x32). A stopped call is reported to the
// supervisor through a seccomp user-notification listener, so the run ends with a security
// violation that names the call. clone3 fails with ENOSYS instead (its flags cannot be inspected;
// C libraries fall back to clone, whose namespace flags are checked).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace codearena::sandbox {

// The compiled classic-BPF program (an array of struct sock_filter) as raw bytes, ready for
// seccomp(SECCOMP_SET_MODE_FILTER). With `refuse_sockets`, socket() of a family other than
// AF_UNIX fails with EACCES instead of being reported. Throws SandboxError if libseccomp rejects
// a rule.
std::string build_seccomp_filter(bool refuse_sockets = false);

// "ptrace" for the x86_64 number 101; "syscall <nr>" for numbers libseccomp does not know.
// `audit_arch` is the AUDIT_ARCH_* value reported with the call.
std::string syscall_name(uint32_t audit_arch, int number);

// The calls the policy stops unconditionally (for documentation and tests).
const std::vector<std::string>& always_blocked_syscalls();

}  // namespace codearena::sandbox
