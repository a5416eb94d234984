#include "sandbox/seccomp_policy.h"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

namespace codearena::sandbox {
namespace {

using FilterContext = std::unique_ptr<void, decltype(&seccomp_release)>;

void check(int rc, const std::string& what) {
  if (rc < 0) throw_errno("seccomp: " + what, -rc);
}

void block(scmp_filter_ctx ctx, const std::string& name,
           std::vector<scmp_arg_cmp> conditions = {}) {
  const int number = seccomp_syscall_resolve_name(name.c_str());
  if (number == __NR_SCMP_ERROR) return;  // Not a call on this architecture.
  check(seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, number, conditions.size(), conditions.data()),
        "rule for " + name);
}

// clone(2) creating a namespace would let the program build its own view of the system.
void block_namespace_clones(scmp_filter_ctx ctx) {
  for (const uint64_t flag : {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
                              CLONE_NEWNET, CLONE_NEWCGROUP}) {
    block(ctx, "clone", {SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag)});
  }
  check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "rule for clone3");
}

void block_device_nodes(scmp_filter_ctx ctx) {
  for (const uint64_t type : {S_IFCHR, S_IFBLK}) {
    block(ctx, "mknod", {SCMP_A1(SCMP_CMP_MASKED_EQ, S_IFMT, type)});
    block(ctx, "mknodat", {SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT, type)});
  }
}

// Only querying the personality (0xffffffff) is allowed; libseccomp cannot test one argument
// against two values in one rule, and no supported runtime sets PER_LINUX explicitly.
void block_personality_changes(scmp_filter_ctx ctx) {
  block(ctx, "personality", {SCMP_A0(SCMP_CMP_NE, 0xffffffffULL)});
}

}  // namespace

const std::vector<std::string>& always_blocked_syscalls() {
  static const std::vector<std::string> names = {"ptrace",
                                                 "process_vm_readv",
                                                 "process_vm_writev",
                                                 "pidfd_getfd",
                                                 "process_madvise",
                                                 "kcmp",
                                                 "mount",
                                                 "umount2",
                                                 "pivot_root",
                                                 "chroot",
                                                 "unshare",
                                                 "setns",
                                                 "fsopen",
                                                 "fsconfig",
                                                 "fsmount",
                                                 "fspick",
                                                 "move_mount",
                                                 "open_tree",
                                                 "mount_setattr",
                                                 "kexec_load",
                                                 "kexec_file_load",
                                                 "init_module",
                                                 "finit_module",
                                                 "delete_module",
                                                 "bpf",
                                                 "perf_event_open",
                                                 "userfaultfd",
                                                 "keyctl",
                                                 "add_key",
                                                 "request_key",
                                                 "io_uring_setup",
                                                 "io_uring_enter",
                                                 "io_uring_register",
                                                 "reboot",
                                                 "swapon",
                                                 "swapoff",
                                                 "acct",
                                                 "settimeofday",
                                                 "clock_settime",
                                                 "clock_adjtime",
                                                 "adjtimex",
                                                 "open_by_handle_at",
                                                 "name_to_handle_at",
                                                 "quotactl",
                                                 "quotactl_fd",
                                                 "lookup_dcookie",
                                                 "syslog",
                                                 "vhangup",
                                                 "iopl",
                                                 "ioperm",
                                                 "modify_ldt",
                                                 "uselib",
                                                 "fanotify_init",
                                                 "sethostname",
                                                 "setdomainname",
                                                 "nfsservctl"};
  return names;
}

std::string build_seccomp_filter(bool refuse_sockets) {
  FilterContext ctx(seccomp_init(SCMP_ACT_ALLOW), &seccomp_release);
  if (!ctx) throw SandboxError("seccomp_init failed");
  // Another ABI (i386 int 0x80, x32) is never legitimate here: kill outright.
  check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS),
        "bad-arch action");
  check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0), "no_new_privs attribute");
  for (const auto& name : always_blocked_syscalls()) block(ctx.get(), name);
  block_namespace_clones(ctx.get());
  block_device_nodes(ctx.get());
  block_personality_changes(ctx.get());
  if (refuse_sockets) {
    check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
                           SCMP_A0(SCMP_CMP_NE, AF_UNIX)),
          "rule for socket");
  } else {
    block(ctx.get(), "socket", {SCMP_A0(SCMP_CMP_NE, AF_UNIX)});
  }

  UniqueFd memory(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (!memory.valid()) throw_errno("memfd_create", errno);
  check(seccomp_export_bpf(ctx.get(), memory.get()), "export");
  return pread_text(memory.get(), "exported seccomp filter");
}

std::string syscall_name(uint32_t audit_arch, int number) {
  char* name = seccomp_syscall_resolve_num_arch(audit_arch, number);
  if (name == nullptr) return "syscall " + std::to_string(number);
  std::string result(name);
  std::free(name);
  return result;
}

}  // namespace codearena::sandbox
