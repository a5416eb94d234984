// The seccomp policy as data: the exported BPF program is run in user space for every call
// number with a small classic-BPF interpreter, so "a call not on the allowlist is never allowed"
// is checked for all numbers, including those libseccomp does not know.
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "sandbox/precompiled_filters.h"
#include "sandbox/seccomp_policy.h"

using namespace codearena::sandbox;

namespace {

constexpr uint32_t kX32Bit = 0x40000000;

std::vector<sock_filter> instructions(const std::string& filter) {
  std::vector<sock_filter> program(filter.size() / sizeof(sock_filter));
  std::memcpy(program.data(), filter.data(), program.size() * sizeof(sock_filter));
  return program;
}

// Runs a seccomp BPF program over one call as the kernel does: 32-bit accumulator and index
// register, 16 scratch words, absolute word loads from struct seccomp_data, forward jumps only.
// Throws on anything the kernel's checker would refuse, so a malformed program cannot pass.
uint32_t evaluate(const std::vector<sock_filter>& program, const seccomp_data& data) {
  uint32_t a = 0, x = 0;
  std::array<uint32_t, BPF_MEMWORDS> scratch{};
  for (size_t pc = 0; pc < program.size(); ++pc) {
    const sock_filter& op = program[pc];
    const uint32_t operand = BPF_SRC(op.code) == BPF_X ? x : op.k;
    switch (BPF_CLASS(op.code)) {
      case BPF_LD:
        if (op.code == (BPF_LD | BPF_W | BPF_ABS)) {
          if (op.k % 4 != 0 || op.k + 4 > sizeof data) throw std::runtime_error("bad load");
          std::memcpy(&a, reinterpret_cast<const char*>(&data) + op.k, 4);
        } else if (op.code == (BPF_LD | BPF_MEM)) {
          a = scratch.at(op.k);
        } else if (op.code == (BPF_LD | BPF_IMM)) {
          a = op.k;
        } else {
          throw std::runtime_error("unsupported load " + std::to_string(op.code));
        }
        break;
      case BPF_LDX:
        x = BPF_MODE(op.code) == BPF_MEM ? scratch.at(op.k) : op.k;
        break;
      case BPF_ST:
        scratch.at(op.k) = a;
        break;
      case BPF_STX:
        scratch.at(op.k) = x;
        break;
      case BPF_ALU:
        switch (BPF_OP(op.code)) {
          case BPF_AND:
            a &= operand;
            break;
          case BPF_OR:
            a |= operand;
            break;
          case BPF_ADD:
            a += operand;
            break;
          case BPF_SUB:
            a -= operand;
            break;
          case BPF_LSH:
            a <<= operand;
            break;
          case BPF_RSH:
            a >>= operand;
            break;
          case BPF_NEG:
            a = -a;
            break;
          default:
            throw std::runtime_error("unsupported alu " + std::to_string(op.code));
        }
        break;
      case BPF_JMP: {
        if (BPF_OP(op.code) == BPF_JA) {
          pc += op.k;
          break;
        }
        bool taken = false;
        switch (BPF_OP(op.code)) {
          case BPF_JEQ:
            taken = a == operand;
            break;
          case BPF_JGT:
            taken = a > operand;
            break;
          case BPF_JGE:
            taken = a >= operand;
            break;
          case BPF_JSET:
            taken = (a & operand) != 0;
            break;
          default:
            throw std::runtime_error("unsupported jump " + std::to_string(op.code));
        }
        pc += taken ? op.jt : op.jf;
        break;
      }
      case BPF_RET:
        return BPF_RVAL(op.code) == BPF_A ? a : op.k;
      case BPF_MISC:
        if (BPF_MISCOP(op.code) == BPF_TAX)
          x = a;
        else
          a = x;
        break;
      default:
        throw std::runtime_error("unsupported instruction " + std::to_string(op.code));
    }
  }
  throw std::runtime_error("the program ran off its end");
}

uint32_t action_for(const std::vector<sock_filter>& program, int nr,
                    std::array<uint64_t, 6> args = {}, uint32_t arch = AUDIT_ARCH_X86_64) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = arch;
  for (size_t i = 0; i < args.size(); ++i) data.args[i] = args[i];
  return evaluate(program, data);
}

std::set<int> numbers_of(const std::vector<std::string>& names) {
  std::set<int> numbers;
  for (const auto& name : names) numbers.insert(syscall_number(name));
  return numbers;
}

bool denied(uint32_t action) {
  return action == SECCOMP_RET_USER_NOTIF || action == SECCOMP_RET_KILL_PROCESS;
}

}  // namespace

TEST_CASE("the seccomp filter compiles to a BPF program the kernel accepts") {
  for (const bool refuse : {false, true}) {
    const auto filter = build_seccomp_filter(refuse);
    REQUIRE(filter.size() % sizeof(sock_filter) == 0);
    CHECK(filter.size() / sizeof(sock_filter) > 50);
    CHECK(filter.size() / sizeof(sock_filter) <= BPF_MAXINSNS);
  }
}

// The engine loads the filters compiled at build time: they must be what the policy compiles to.
TEST_CASE("the filters built into the engine are the policy's") {
  for (const bool refuse : {false, true}) {
    INFO("refuse_sockets=" << refuse);
    CHECK(precompiled_seccomp_filter(refuse) == build_seccomp_filter(refuse));
  }
}

// The invariant of an allowlist: every number 0..1024 that is not on it is reported (or kills),
// whether libseccomp knows the call or not, and the listed calls are allowed.
TEST_CASE("every call number not on the allowlist is denied") {
  const std::set<int> allowed = numbers_of(allowed_syscalls());
  const std::set<int> checked = numbers_of(argument_checked_syscalls());
  for (const bool refuse : {false, true}) {
    const auto program = instructions(build_seccomp_filter(refuse));
    int denied_count = 0;
    for (int nr = 0; nr <= 1024; ++nr) {
      INFO("call " << nr << " (" << syscall_name(AUDIT_ARCH_X86_64, nr) << ")");
      const uint32_t action = action_for(program, nr);
      if (allowed.count(nr)) {
        CHECK(action == SECCOMP_RET_ALLOW);
      } else if (!checked.count(nr)) {
        CHECK(denied(action));
        ++denied_count;
      }
    }
    CHECK(denied_count > 1024 - 200);
  }
}

TEST_CASE("calls libseccomp does not know and the dangerous ones are reported") {
  const auto program = instructions(build_seccomp_filter());
  // open_tree_attr, statmount, listmount, file_getattr, file_setattr, far beyond the table.
  for (const int nr : {467, 457, 458, 468, 469, 1000, 100000}) {
    INFO("call " << nr);
    CHECK(action_for(program, nr) == SECCOMP_RET_USER_NOTIF);
  }
  for (const char* name : {"ptrace",
                           "mount",
                           "umount2",
                           "pivot_root",
                           "chroot",
                           "unshare",
                           "setns",
                           "open_tree",
                           "move_mount",
                           "fsopen",
                           "bpf",
                           "perf_event_open",
                           "userfaultfd",
                           "keyctl",
                           "add_key",
                           "request_key",
                           "io_setup",
                           "io_submit",
                           "io_uring_setup",
                           "io_uring_enter",
                           "kexec_load",
                           "init_module",
                           "finit_module",
                           "delete_module",
                           "reboot",
                           "open_by_handle_at",
                           "name_to_handle_at",
                           "clock_settime",
                           "settimeofday",
                           "adjtimex",
                           "process_vm_readv",
                           "process_vm_writev",
                           "pidfd_getfd",
                           "pidfd_open",
                           "kcmp",
                           "seccomp",
                           "memfd_secret",
                           "inotify_init1",
                           "fanotify_init",
                           "mq_open",
                           "iopl",
                           "ioperm",
                           "modify_ldt",
                           "swapon",
                           "syslog",
                           "acct",
                           "quotactl",
                           "sethostname",
                           "setuid",
                           "setgid",
                           "setgroups",
                           "chown",
                           "fchown",
                           "lchown",
                           "fchownat"}) {
    INFO(name);
    CHECK(action_for(program, syscall_number(name)) == SECCOMP_RET_USER_NOTIF);
    CHECK(std::find(allowed_syscalls().begin(), allowed_syscalls().end(), name) ==
          allowed_syscalls().end());
  }
}

TEST_CASE("calls allowed only with harmless arguments") {
  const auto plain = instructions(build_seccomp_filter(false));
  const auto refusing = instructions(build_seccomp_filter(true));
  for (const auto* program : {&plain, &refusing}) {
    CHECK(action_for(*program, SYS_clone, {SIGCHLD}) == SECCOMP_RET_ALLOW);
    CHECK(action_for(*program, SYS_clone, {CLONE_VM | CLONE_THREAD | CLONE_SIGHAND}) ==
          SECCOMP_RET_ALLOW);
    for (const uint64_t flag : {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
                                CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWCGROUP}) {
      INFO("clone flag " << flag);
      CHECK(action_for(*program, SYS_clone, {flag | SIGCHLD}) == SECCOMP_RET_USER_NOTIF);
    }
    CHECK(action_for(*program, SYS_clone3) == (SECCOMP_RET_ERRNO | ENOSYS));
    CHECK(action_for(*program, SYS_mknodat, {0, 0, S_IFIFO | 0600}) == SECCOMP_RET_ALLOW);
    CHECK(action_for(*program, SYS_mknod, {0, S_IFREG | 0600}) == SECCOMP_RET_ALLOW);
    CHECK(action_for(*program, SYS_mknod, {0, S_IFCHR | 0600, 0x103}) == SECCOMP_RET_USER_NOTIF);
    CHECK(action_for(*program, SYS_mknodat, {0, 0, S_IFBLK | 0600}) == SECCOMP_RET_USER_NOTIF);
    CHECK(action_for(*program, SYS_personality, {0xffffffff}) == SECCOMP_RET_ALLOW);
    CHECK(action_for(*program, SYS_personality, {0x8}) == SECCOMP_RET_USER_NOTIF);
    CHECK(action_for(*program, SYS_socket, {AF_UNIX, SOCK_STREAM}) == SECCOMP_RET_ALLOW);
    CHECK(action_for(*program, SYS_socketpair, {AF_UNIX, SOCK_STREAM}) == SECCOMP_RET_ALLOW);
    CHECK(action_for(*program, SYS_socketpair, {AF_INET, SOCK_STREAM}) == SECCOMP_RET_USER_NOTIF);
    // The kernel reads an int: a family hidden above bit 31 is no AF_UNIX to the filter.
    CHECK(action_for(*program, SYS_socket, {(1ULL << 32) | AF_UNIX}) != SECCOMP_RET_ALLOW);
    // fcntl but dnotify, also with the command hidden behind high bits the kernel ignores.
    CHECK(action_for(*program, SYS_fcntl, {3, F_GETFL}) == SECCOMP_RET_ALLOW);
    CHECK(action_for(*program, SYS_fcntl, {3, F_NOTIFY}) == SECCOMP_RET_USER_NOTIF);
    CHECK(action_for(*program, SYS_fcntl, {3, (1ULL << 32) | F_NOTIFY}) == SECCOMP_RET_USER_NOTIF);
    // prctl but a filter or a syscall dispatcher of the program's own.
    for (const uint64_t option : {uint64_t{PR_SET_NAME}, uint64_t{PR_GET_DUMPABLE},
                                  uint64_t{PR_SET_NO_NEW_PRIVS}, uint64_t{PR_GET_SECCOMP},
                                  uint64_t{PR_SET_VMA}, uint64_t{PR_SET_PTRACER}}) {
      INFO("prctl option " << option);
      CHECK(action_for(*program, SYS_prctl, {option}) == SECCOMP_RET_ALLOW);
    }
    for (const uint64_t option : {uint64_t{PR_SET_SECCOMP}, uint64_t{PR_SET_SYSCALL_USER_DISPATCH},
                                  uint64_t{(1ULL << 32) | PR_SET_SECCOMP}}) {
      INFO("prctl option " << option);
      CHECK(action_for(*program, SYS_prctl, {option}) == SECCOMP_RET_USER_NOTIF);
    }
    // fadvise but dropping shared files from the page cache, which succeeds without effect.
    CHECK(action_for(*program, SYS_fadvise64, {3, 0, 0, POSIX_FADV_SEQUENTIAL}) ==
          SECCOMP_RET_ALLOW);
    CHECK(action_for(*program, SYS_fadvise64, {3, 0, 0, POSIX_FADV_DONTNEED}) ==
          SECCOMP_RET_ERRNO);
  }
  CHECK(action_for(plain, SYS_socket, {AF_INET, SOCK_STREAM}) == SECCOMP_RET_USER_NOTIF);
  CHECK(action_for(refusing, SYS_socket, {AF_INET, SOCK_STREAM}) == (SECCOMP_RET_ERRNO | EACCES));
  CHECK(action_for(refusing, SYS_socket, {AF_NETLINK, SOCK_RAW}) == (SECCOMP_RET_ERRNO | EACCES));
}

// The clock calls take every clock but the CPU-time clocks of process 1, the box keeper, whose
// CPU time tells of earlier runs: the named clocks, the caller's own CPU clocks (pid 0, or its
// pid), its threads' and other processes' pass; the keeper's eight ids (any kind, process or
// thread) are reported, also with high bits the kernel ignores above them.
TEST_CASE("clocks pass but the keeper's CPU clock") {
  const auto cpu_clock = [](uint32_t pid, uint32_t kind) -> uint64_t {
    return static_cast<uint32_t>(~pid << 3) | kind;
  };
  for (const bool refuse : {false, true}) {
    const auto program = instructions(precompiled_seccomp_filter(refuse));
    for (const long call : {SYS_clock_gettime, SYS_clock_getres, SYS_clock_nanosleep}) {
      INFO(syscall_name(AUDIT_ARCH_X86_64, call));
      for (const uint64_t clock : {uint64_t{CLOCK_REALTIME}, uint64_t{CLOCK_MONOTONIC},
                                   uint64_t{CLOCK_PROCESS_CPUTIME_ID}, uint64_t{CLOCK_BOOTTIME},
                                   uint64_t{CLOCK_TAI}, cpu_clock(0, 2), cpu_clock(0, 6),
                                   cpu_clock(2, 2), cpu_clock(3, 0), cpu_clock(5, 2),
                                   cpu_clock(5, 6), cpu_clock(4194303, 2),
                                   uint64_t{0xffffffff00000000} | cpu_clock(5, 2)}) {
        INFO("clock " << clock);
        CHECK(action_for(program, call, {clock}) == SECCOMP_RET_ALLOW);
      }
      for (uint32_t kind = 0; kind < 8; ++kind) {
        INFO("keeper clock kind " << kind);
        CHECK(action_for(program, call, {cpu_clock(1, kind)}) == SECCOMP_RET_USER_NOTIF);
        CHECK(action_for(program, call, {(uint64_t{1} << 32) | cpu_clock(1, kind)}) ==
              SECCOMP_RET_USER_NOTIF);
        CHECK(action_for(program, call, {uint64_t{0xffffffff00000000} | cpu_clock(1, kind)}) ==
              SECCOMP_RET_USER_NOTIF);
      }
    }
  }
}

// The calls that turn the run's process (root, under the filter from its clone) into the
// program's pass with the marker in the argument the kernel ignores, and only the namespace
// kinds the process uses; the same calls as programs make them are reported.
TEST_CASE("set-up calls pass only with the marker") {
  constexpr uint64_t m = kSetupCallMarker;
  const struct {
    long nr;
    std::array<uint64_t, 6> marked, unmarked;
  } calls[] = {
      {SYS_setresuid, {1000, 1000, 1000, m}, {1000, 1000, 1000}},
      {SYS_setresgid, {1000, 1000, 1000, m}, {0, 0, 0, m >> 32}},
      {SYS_setgroups, {0, 0, m}, {0, 0, m & 0xffffffff}},
      {SYS_capset, {0x1000, 0x2000, m}, {0x1000, 0x2000, 0, m}},
      {SYS_unshare, {CLONE_NEWCGROUP, m}, {CLONE_NEWCGROUP}},
      {SYS_setns, {3, CLONE_NEWIPC, m}, {3, CLONE_NEWIPC, 0, m}},
      {SYS_setns, {3, CLONE_NEWNET, m}, {3, CLONE_NEWNET}},
  };
  for (const bool refuse : {false, true}) {
    const auto program = instructions(precompiled_seccomp_filter(refuse));
    for (const auto& call : calls) {
      INFO(syscall_name(AUDIT_ARCH_X86_64, call.nr));
      CHECK(action_for(program, call.nr, call.marked) == SECCOMP_RET_ALLOW);
      CHECK(action_for(program, call.nr, call.unmarked) == SECCOMP_RET_USER_NOTIF);
    }
    // Other namespaces, even marked: none a program could enter or make would be harmless.
    for (const uint64_t kind : {uint64_t{0}, uint64_t{CLONE_NEWNS}, uint64_t{CLONE_NEWUSER},
                                uint64_t{CLONE_NEWPID}, uint64_t{CLONE_NEWUTS},
                                uint64_t{CLONE_NEWCGROUP}, uint64_t{CLONE_NEWIPC | CLONE_NEWNET}}) {
      INFO("namespace kind " << kind);
      CHECK(action_for(program, SYS_setns, {3, kind, m}) == SECCOMP_RET_USER_NOTIF);
      if (kind != CLONE_NEWCGROUP)
        CHECK(action_for(program, SYS_unshare, {kind, m}) == SECCOMP_RET_USER_NOTIF);
    }
    CHECK(action_for(program, SYS_unshare, {CLONE_NEWCGROUP | CLONE_NEWUSER, m}) ==
          SECCOMP_RET_USER_NOTIF);
    // The marker gates these calls alone.
    CHECK(action_for(program, SYS_setuid, {0, m, m, m}) == SECCOMP_RET_USER_NOTIF);
    CHECK(action_for(program, SYS_mount, {0, 0, 0, m, m}) == SECCOMP_RET_USER_NOTIF);
  }
}

// Walks the filters the engine loads (compiled at build time), both of them: an architecture
// other than x86-64, known or not, and x32 numbers are killed before any allowlist check.
TEST_CASE("other ABIs kill the process") {
  for (const bool refuse : {false, true}) {
    INFO("refuse_sockets=" << refuse);
    const auto program = instructions(precompiled_seccomp_filter(refuse));
    const uint32_t foreign[] = {AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64, 0};
    for (const uint32_t arch : foreign) {
      INFO("arch " << arch);
      CHECK(action_for(program, SYS_getpid, {}, arch) == SECCOMP_RET_KILL_PROCESS);
    }
    CHECK(action_for(program, kX32Bit | SYS_getpid) == SECCOMP_RET_KILL_PROCESS);
    CHECK(action_for(program, kX32Bit | SYS_mount) == SECCOMP_RET_KILL_PROCESS);
    CHECK(action_for(program, kX32Bit | SYS_write) == SECCOMP_RET_KILL_PROCESS);
  }
}

TEST_CASE("syscall numbers are named for the architecture they came from") {
  CHECK(syscall_name(AUDIT_ARCH_X86_64, SYS_ptrace) == "ptrace");
  CHECK(syscall_name(AUDIT_ARCH_X86_64, SYS_mount) == "mount");
  CHECK(syscall_name(AUDIT_ARCH_X86_64, 99999) == "syscall 99999");
  CHECK(syscall_number("ptrace") == SYS_ptrace);
}
