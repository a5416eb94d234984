// The system-call filter every sandboxed program runs under (built with libseccomp).
//
// The policy is an allowlist: the calls the supported runtimes (static and dynamic C and C++
// programs, gcc/g++ with cc1, as and ld, javac and java, python3, node, bash and coreutils) make,
// grouped by purpose in seccomp_policy.cc. Every other call, including every call a future
// kernel adds, is reported to the supervisor through a seccomp user-notification listener, so
// the run ends with a security violation that names the call (unless a signal interrupts the
// blocked call before the supervisor reads the notification: the call then fails with EINTR,
// still without running). A few calls are allowed only with harmless arguments: clone without
// namespace flags, mknod/mknodat of FIFOs, sockets and regular files, personality as a query,
// socket/socketpair of AF_UNIX, fcntl without F_NOTIFY, prctl without PR_SET_SECCOMP and
// PR_SET_SYSCALL_USER_DISPATCH, fadvise64 (POSIX_FADV_DONTNEED succeeds without effect). clone3
// fails with ENOSYS (its flags cannot be inspected; C libraries fall back to clone). Calls of the
// non-native ABIs (i386, x32) kill the process.
//
// The box keeper loads the filter once, on a thread of its own, and every run's process inherits
// it from that thread at its clone (a load costs about 0.1 ms). The process is still root then:
// the calls that make it the program's (setgroups, setresgid, setresuid, capset, and unshare of
// a cgroup namespace, setns into an IPC or network namespace) pass when they carry
// kSetupCallMarker in an argument the kernel ignores for them, and are reported otherwise. A
// program that sends the marker gains nothing: it holds no capability, so each of them fails
// with EPERM or changes nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace codearena::sandbox {

// The value the sandbox's own set-up calls carry in an argument their kernel entry ignores (see
// above): setresuid, setresgid 4th, setgroups, capset, setns 3rd, unshare 2nd.
constexpr uint64_t kSetupCallMarker = 0x5e7c0de5a4d00b0eULL;

// The compiled classic-BPF program (an array of struct sock_filter) as raw bytes, ready for
// seccomp(SECCOMP_SET_MODE_FILTER). With `refuse_sockets`, socket() of a family other than
// AF_UNIX fails with EACCES instead of being reported. Throws SandboxError if libseccomp rejects
// a rule.
std::string build_seccomp_filter(bool refuse_sockets = false);

// "ptrace" for the x86_64 number 101; "syscall <nr>" for numbers libseccomp does not know.
// `audit_arch` is the AUDIT_ARCH_* value reported with the call.
std::string syscall_name(uint32_t audit_arch, int number);

// The x86_64 number of a call libseccomp knows by name; throws SandboxError for other names.
int syscall_number(const std::string& name);

// The calls allowed whatever their arguments (for documentation and tests).
const std::vector<std::string>& allowed_syscalls();

// The calls allowed only with some arguments (clone, mknod, socket, ...; for tests).
const std::vector<std::string>& argument_checked_syscalls();

}  // namespace codearena::sandbox
