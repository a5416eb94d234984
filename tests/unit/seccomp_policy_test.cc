// The seccomp policy compiles, and syscall numbers are named for violation reports.
#include <linux/audit.h>
#include <linux/filter.h>
#include <sys/syscall.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "sandbox/seccomp_policy.h"

using namespace codearena::sandbox;

TEST_CASE("the seccomp filter compiles to a non-trivial BPF program") {
  const auto filter = build_seccomp_filter();
  REQUIRE(filter.size() % sizeof(sock_filter) == 0);
  CHECK(filter.size() / sizeof(sock_filter) > 50);
  CHECK(filter.size() / sizeof(sock_filter) <= BPF_MAXINSNS);
}

TEST_CASE("the policy blocks what the security notes list") {
  const auto& blocked = always_blocked_syscalls();
  for (const char* name :
       {"ptrace", "mount", "unshare", "setns", "bpf", "perf_event_open", "userfaultfd", "keyctl",
        "io_uring_setup", "kexec_load", "init_module", "reboot", "open_by_handle_at",
        "clock_settime", "process_vm_readv", "chroot"}) {
    INFO(name);
    CHECK(std::find(blocked.begin(), blocked.end(), name) != blocked.end());
  }
}

TEST_CASE("syscall numbers are named for the architecture they came from") {
  CHECK(syscall_name(AUDIT_ARCH_X86_64, SYS_ptrace) == "ptrace");
  CHECK(syscall_name(AUDIT_ARCH_X86_64, SYS_mount) == "mount");
  CHECK(syscall_name(AUDIT_ARCH_X86_64, 99999) == "syscall 99999");
}
