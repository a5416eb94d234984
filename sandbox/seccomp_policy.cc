#include "sandbox/seccomp_policy.h"

#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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

// The allowlist, measured with `strace -f` on every command line of config/languages.json
// running ordinary and heavy programs (threads, GC, subprocesses, file I/O, large output,
// memory exhaustion, uncaught exceptions) and checked by running the sandbox, judge and hostile
// test suites under the filter. A call missing here is a security violation, not an error.
const std::vector<const char*>& allowed_call_names() {
  // clang-format off
  static const std::vector<const char*> names = {
      // start-up and exit: every program, the dynamic loader and the C library's set-up
      "execve", "exit", "exit_group", "arch_prctl", "set_tid_address", "set_robust_list", "rseq",
      "prlimit64", "getrlimit", "setrlimit", "uname", "sysinfo", "getrusage", "times",
      // identity queries: answered from the slot's own unprivileged credentials
      "getpid", "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "getresuid",
      "getresgid", "getgroups", "getpgrp", "getpgid", "getsid", "capget",
      // processes and threads: compilers, shells and runtimes start children; the PID namespace
      // and the pids limit bound them (clone itself is checked below)
      "fork", "vfork", "wait4", "waitid", "setsid", "setpgid", "kill", "tgkill", "tkill", "futex",
      "sched_yield", "sched_getaffinity",
      // memory: allocation and protection of the program's own pages (pkey_*: V8 probes them)
      "brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "msync", "pkey_alloc",
      "pkey_free", "pkey_mprotect",
      // signals: handlers, masks and timers within the program's own processes
      "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait",
      "rt_sigpending", "sigaltstack", "pause", "alarm", "setitimer", "getitimer",
      "restart_syscall",
      // clocks: reading time and sleeping (setting the clock is not allowed; clock_gettime,
      // clock_getres and clock_nanosleep are checked below)
      "nanosleep", "gettimeofday", "time",
      // descriptor I/O: stdin, stdout, pipes and the files of /box and /tmp (flock: a lock on a
      // shared read-only file is a known residual channel)
      "read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "lseek",
      "sendfile", "close", "close_range", "dup", "dup2", "dup3", "ioctl", "pipe", "pipe2",
      "fsync", "fdatasync", "ftruncate", "fallocate", "flock",
      // paths and metadata: the read-only root and the writable tmpfs mounts
      "open", "openat", "creat", "access", "faccessat", "faccessat2", "stat", "lstat", "fstat",
      "newfstatat", "statx", "statfs", "fstatfs", "readlink", "readlinkat", "getcwd", "chdir",
      "fchdir", "getdents64", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename",
      "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod",
      "fchmodat", "truncate", "utimensat", "umask",
      // waiting for events: event loops of node, python and the JVM
      "poll", "ppoll", "select", "pselect6", "epoll_create", "epoll_create1", "epoll_ctl",
      "epoll_wait", "epoll_pwait", "eventfd2",
      // AF_UNIX sockets (socket and socketpair are checked below): the JVM's and node's internal
      // channels; the slot's network namespace has no interface
      "bind", "listen", "accept", "accept4", "connect", "getsockname", "getpeername", "sendto",
      "recvfrom", "sendmsg", "recvmsg", "shutdown", "setsockopt", "getsockopt",
      // System V IPC: objects live in the run's own IPC namespace and die with it
      "shmget", "shmat", "shmdt", "shmctl", "semget", "semop", "semtimedop", "semctl", "msgget",
      "msgsnd", "msgrcv", "msgctl",
      // randomness: hash seeds and random_device
      "getrandom",
  };
  // clang-format on
  return names;
}

void check(int rc, const std::string& what) {
  if (rc < 0) throw_errno("seccomp: " + what, -rc);
}

void add_rule(scmp_filter_ctx ctx, uint32_t action, const char* name,
              std::vector<scmp_arg_cmp> conditions = {}) {
  check(seccomp_rule_add_array(ctx, action, syscall_number(name), conditions.size(),
                               conditions.data()),
        std::string("rule for ") + name);
}

// clone(2) creating a namespace would let the program build its own view of the system. clone3
// keeps its flags in memory the filter cannot read: it fails with ENOSYS, and the C library
// falls back to clone.
void allow_clone_without_namespaces(scmp_filter_ctx ctx) {
  const uint64_t namespaces = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                              CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP;
  add_rule(ctx, SCMP_ACT_ALLOW, "clone", {SCMP_A0(SCMP_CMP_MASKED_EQ, namespaces, 0)});
  add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3");
}

// FIFOs, sockets and regular files; never character or block devices.
void allow_mknod_of_plain_nodes(scmp_filter_ctx ctx) {
  for (const uint64_t type :
       {uint64_t{0}, uint64_t{S_IFREG}, uint64_t{S_IFIFO}, uint64_t{S_IFSOCK}}) {
    add_rule(ctx, SCMP_ACT_ALLOW, "mknod", {SCMP_A1(SCMP_CMP_MASKED_EQ, S_IFMT, type)});
    add_rule(ctx, SCMP_ACT_ALLOW, "mknodat", {SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT, type)});
  }
}

// Only querying the personality (0xffffffff) is allowed; no supported runtime sets one.
void allow_personality_query(scmp_filter_ctx ctx) {
  add_rule(ctx, SCMP_ACT_ALLOW, "personality", {SCMP_A0(SCMP_CMP_EQ, 0xffffffffULL)});
}

// AF_UNIX only. With `refuse_sockets` other families fail with EACCES instead of being
// reported, for runtimes (the JVM) whose own start-up or libraries try them and cope with the
// error.
void allow_unix_sockets(scmp_filter_ctx ctx, bool refuse_sockets) {
  add_rule(ctx, SCMP_ACT_ALLOW, "socket", {SCMP_A0(SCMP_CMP_EQ, AF_UNIX)});
  add_rule(ctx, SCMP_ACT_ALLOW, "socketpair", {SCMP_A0(SCMP_CMP_EQ, AF_UNIX)});
  if (refuse_sockets) {
    add_rule(ctx, SCMP_ACT_ERRNO(EACCES), "socket", {SCMP_A0(SCMP_CMP_NE, AF_UNIX)});
  }
}

// A rule for `name` when argument `arg`, read as the kernel reads an int (its low 32 bits: the
// high ones are ignored, so they must not be able to hide a value), is one of `values`.
void add_rule_for_int_values(scmp_filter_ctx ctx, uint32_t action, const char* name,
                             unsigned arg, const std::vector<uint32_t>& values) {
  for (const uint32_t value : values)
    add_rule(ctx, action, name, {SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, value)});
}

// fcntl with the commands runtimes use, and not F_NOTIFY: dnotify on a shared directory
// (/usr/bin) would report the host's and other slots' file accesses, as inotify would. Commands
// the kernel adds later are denied until listed.
void allow_fcntl_commands(scmp_filter_ctx ctx) {
  add_rule_for_int_values(
      ctx, SCMP_ACT_ALLOW, "fcntl", 1,
      {F_DUPFD, F_GETFD, F_SETFD, F_GETFL, F_SETFL, F_GETLK, F_SETLK, F_SETLKW, F_SETOWN,
       F_GETOWN, F_SETSIG, F_GETSIG, F_SETOWN_EX, F_GETOWN_EX, F_OFD_GETLK,
       F_OFD_SETLK, F_OFD_SETLKW, F_SETLEASE, F_GETLEASE, F_DUPFD_CLOEXEC, F_SETPIPE_SZ,
       F_GETPIPE_SZ, F_ADD_SEALS, F_GET_SEALS, F_GET_RW_HINT, F_SET_RW_HINT, F_GET_FILE_RW_HINT,
       F_SET_FILE_RW_HINT});
}

// prctl with every option the kernel headers define (up to PR_SCHED_CORE, and the two with
// large numbers) but PR_SET_SECCOMP and PR_SET_SYSCALL_USER_DISPATCH: with either a program
// could answer its own blocked calls (a filter of its own returning an error, or a SIGSYS
// handler of its own) and probe the policy unreported. Options added later are denied until
// listed.
void allow_prctl_options(scmp_filter_ctx ctx) {
  std::vector<uint32_t> options = {PR_SET_VMA, PR_SET_PTRACER};
  for (uint32_t option = 1; option <= PR_SCHED_CORE; ++option) {
    if (option != PR_SET_SECCOMP && option != PR_SET_SYSCALL_USER_DISPATCH)
      options.push_back(option);
  }
  add_rule_for_int_values(ctx, SCMP_ACT_ALLOW, "prctl", 0, options);
}

// fadvise64 with any advice but POSIX_FADV_DONTNEED, which would drop shared files (/usr) from
// the page cache of the whole machine: that one succeeds without effect (advice may be ignored).
void allow_fadvise_but_eviction(scmp_filter_ctx ctx) {
  add_rule_for_int_values(ctx, SCMP_ACT_ALLOW, "fadvise64", 3,
                          {POSIX_FADV_NORMAL, POSIX_FADV_RANDOM, POSIX_FADV_SEQUENTIAL,
                           POSIX_FADV_WILLNEED, POSIX_FADV_NOREUSE});
  add_rule_for_int_values(ctx, SCMP_ACT_ERRNO(0), "fadvise64", 3, {POSIX_FADV_DONTNEED});
}

// The clock calls with any clock but the CPU-time clocks of process 1, the box keeper: the kernel
// checks no permission for another process's CPU clock, and the keeper's CPU time sums what it
// did for every earlier run of the slot (the input files it copied, the files it handed back).
// A CPU clock id is (~pid << 3) | kind, an int: the keeper's are 0xfffffff0 to 0xfffffff7 in
// the low 32 bits (the high ones are ignored by the kernel, so they must not hide a value).
// The rules allow every other value: a non-negative id (the named clocks), one with bit 3 set
// (an even pid, or pid 0, the caller itself), or one with any of bits 4 to 30 clear.
void allow_clocks_but_the_keepers(scmp_filter_ctx ctx) {
  constexpr uint64_t kSign = 0x80000000;
  for (const char* call : {"clock_gettime", "clock_getres", "clock_nanosleep"}) {
    add_rule(ctx, SCMP_ACT_ALLOW, call, {SCMP_A0(SCMP_CMP_MASKED_EQ, kSign, 0)});
    add_rule(ctx, SCMP_ACT_ALLOW, call, {SCMP_A0(SCMP_CMP_MASKED_EQ, kSign | 0x8, kSign | 0x8)});
    for (unsigned bit = 4; bit < 31; ++bit) {
      add_rule(ctx, SCMP_ACT_ALLOW, call,
               {SCMP_A0(SCMP_CMP_MASKED_EQ, kSign | (uint64_t{1} << bit), kSign)});
    }
  }
}

// What the run's process, still root, does under the filter between its clone and the
// program's execve (see kSetupCallMarker). The namespace kinds are those it enters or makes.
void allow_marked_setup_calls(scmp_filter_ctx ctx) {
  add_rule(ctx, SCMP_ACT_ALLOW, "setresuid", {SCMP_A3(SCMP_CMP_EQ, kSetupCallMarker)});
  add_rule(ctx, SCMP_ACT_ALLOW, "setresgid", {SCMP_A3(SCMP_CMP_EQ, kSetupCallMarker)});
  add_rule(ctx, SCMP_ACT_ALLOW, "setgroups", {SCMP_A2(SCMP_CMP_EQ, kSetupCallMarker)});
  add_rule(ctx, SCMP_ACT_ALLOW, "capset", {SCMP_A2(SCMP_CMP_EQ, kSetupCallMarker)});
  add_rule(ctx, SCMP_ACT_ALLOW, "unshare",
           {SCMP_A0(SCMP_CMP_EQ, CLONE_NEWCGROUP), SCMP_A1(SCMP_CMP_EQ, kSetupCallMarker)});
  for (const uint64_t kind : {uint64_t{CLONE_NEWIPC}, uint64_t{CLONE_NEWNET}}) {
    add_rule(ctx, SCMP_ACT_ALLOW, "setns",
             {SCMP_A1(SCMP_CMP_EQ, kind), SCMP_A2(SCMP_CMP_EQ, kSetupCallMarker)});
  }
}

}  // namespace

const std::vector<std::string>& allowed_syscalls() {
  static const std::vector<std::string> names(allowed_call_names().begin(),
                                              allowed_call_names().end());
  return names;
}

const std::vector<std::string>& argument_checked_syscalls() {
  static const std::vector<std::string> names = {
      "clone",     "clone3",    "mknod",     "mknodat", "personality", "socket",
      "socketpair", "fcntl",    "prctl",     "fadvise64", "setresuid", "setresgid",
      "setgroups", "capset",    "unshare",   "setns", "clock_gettime", "clock_getres",
      "clock_nanosleep"};
  return names;
}

std::string build_seccomp_filter(bool refuse_sockets) {
  FilterContext ctx(seccomp_init(SCMP_ACT_NOTIFY), &seccomp_release);
  if (!ctx) throw SandboxError("seccomp_init failed");
  // Another ABI (i386 int 0x80, x32) is never legitimate here: kill outright.
  check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS),
        "bad-arch action");
  check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0), "no_new_privs attribute");
  // A binary search over the call number instead of a linear scan of the allowlist.
  check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2), "binary-tree attribute");
  for (const auto& name : allowed_syscalls()) add_rule(ctx.get(), SCMP_ACT_ALLOW, name.c_str());
  allow_clone_without_namespaces(ctx.get());
  allow_mknod_of_plain_nodes(ctx.get());
  allow_personality_query(ctx.get());
  allow_unix_sockets(ctx.get(), refuse_sockets);
  allow_fcntl_commands(ctx.get());
  allow_prctl_options(ctx.get());
  allow_fadvise_but_eviction(ctx.get());
  allow_marked_setup_calls(ctx.get());
  allow_clocks_but_the_keepers(ctx.get());

  UniqueFd memory(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (!memory.valid()) throw_errno("memfd_create", errno);
  check(seccomp_export_bpf(ctx.get(), memory.get()), "export");
  return pread_text(memory.get(), "exported seccomp filter");
}

int syscall_number(const std::string& name) {
  const int number = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name.c_str());
  if (number == __NR_SCMP_ERROR)
    throw SandboxError("seccomp: no x86_64 system call '" + name + "'");
  return number;
}

std::string syscall_name(uint32_t audit_arch, int number) {
  char* name = seccomp_syscall_resolve_num_arch(audit_arch, number);
  if (name == nullptr) return "syscall " + std::to_string(number);
  std::string result(name);
  std::free(name);
  return result;
}

}  // namespace codearena::sandbox
