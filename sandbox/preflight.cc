#include "sandbox/preflight.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sandbox/credentials.h"
#include "sandbox/errors.h"
#include "sandbox/fs_util.h"
#include "sandbox/rlimits.h"

namespace codearena::sandbox {
namespace {

const char* const kSysAdmin =
    "the process needs CAP_SYS_ADMIN: run it as root, in a container with --cap-add SYS_ADMIN "
    "or --privileged";
const char* const kMount =
    "the process needs CAP_SYS_ADMIN and no security profile denying mount(2): in a container, "
    "--cap-add SYS_ADMIN with --security-opt apparmor=unconfined, or --privileged";
const char* const kProcMount =
    "a container masks parts of /proc, which forbids mounting a new one: run it with "
    "--security-opt systempaths=unconfined, or --privileged";
const char* const kResources =
    "the process needs CAP_SYS_RESOURCE for limits above its own hard limits";
const char* const kCredentials =
    "the process needs CAP_SETUID and CAP_SETGID (root) to run programs as the slots' users";
const char* const kSeccomp =
    "the kernel needs CONFIG_SECCOMP_FILTER and Linux 5.0 or later (user notification), and a "
    "container's own seccomp profile must allow seccomp(2): --security-opt seccomp=unconfined";

struct Step {
  const char* facility;
  const char* grant;
};

enum StepIndex : int {
  kMountNamespace,
  kPrivateMounts,
  kTmpfs,
  kIpcNamespace,
  kUtsNamespace,
  kNetworkNamespace,
  kCgroupNamespace,
  kPidNamespace,
  kProcessInPidNamespace,
  kProc,
  kLimits,
  kCredentialsStep,
  kSeccompStep,
};

constexpr Step kSteps[] = {
    {"create a mount namespace", kSysAdmin},
    {"make the mounts of a new mount namespace private", kMount},
    {"mount a tmpfs", kMount},
    {"create an IPC namespace", kSysAdmin},
    {"create a UTS namespace", kSysAdmin},
    {"create a network namespace", kSysAdmin},
    {"create a cgroup namespace", kSysAdmin},
    {"create a PID namespace", kSysAdmin},
    {"start a process in a new PID namespace", kSysAdmin},
    {"mount /proc in a new PID namespace", kProcMount},
    {"set resource limits (setrlimit)", kResources},
    {"switch to a slot's user and group ids", kCredentials},
    {"load a seccomp filter with a user-notification listener", kSeccomp},
};

// What a probe writes to its pipe when a step fails: nothing is written on success.
struct Failure {
  int step = 0;
  int error = 0;
};

[[noreturn]] void fail(int pipe_fd, int step, int error) {
  const Failure failure{step, error};
  [[maybe_unused]] const ssize_t written = ::write(pipe_fd, &failure, sizeof failure);
  ::_exit(1);
}

// In the PID namespace's first process: a /proc of that namespace, as the box mounts it.
[[noreturn]] void probe_proc(int pipe_fd, const std::string& proc_dir) {
  if (::mount("proc", proc_dir.c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2") !=
      0)
    fail(pipe_fd, kProc, errno);
  ::_exit(0);
}

// Waits for the PID namespace's process, which reports its own failure.
void await_proc_probe(int pipe_fd, pid_t child) {
  int status = 0;
  while (::waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) fail(pipe_fd, kProcessInPidNamespace, errno);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ::_exit(1);
}

[[noreturn]] void probe(int pipe_fd, const PreflightPlan& plan, const char* proc_dir,
                        const sock_fprog& filter) {
  if (::unshare(CLONE_NEWNS) != 0) fail(pipe_fd, kMountNamespace, errno);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    fail(pipe_fd, kPrivateMounts, errno);
  if (::mount("codearena-preflight", plan.mount_point.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
              "size=64k") != 0)
    fail(pipe_fd, kTmpfs, errno);
  if (::mkdir(proc_dir, 0555) != 0) fail(pipe_fd, kTmpfs, errno);
  const std::pair<int, StepIndex> namespaces[] = {{CLONE_NEWIPC, kIpcNamespace},
                                                  {CLONE_NEWUTS, kUtsNamespace},
                                                  {CLONE_NEWNET, kNetworkNamespace},
                                                  {CLONE_NEWCGROUP, kCgroupNamespace},
                                                  {CLONE_NEWPID, kPidNamespace}};
  for (const auto& [flag, step] : namespaces) {
    if (::unshare(flag) != 0) fail(pipe_fd, step, errno);
  }
  const pid_t first = ::fork();
  if (first < 0) fail(pipe_fd, kProcessInPidNamespace, errno);
  if (first == 0) probe_proc(pipe_fd, proc_dir);
  await_proc_probe(pipe_fd, first);
  const char* step = nullptr;
  if (const int error = apply_process_limits(process_limits_for(RunLimits{}), &step); error != 0)
    fail(pipe_fd, kLimits, error);
  if (const int error = drop_privileges(plan.uid, plan.uid, &step); error != 0)
    fail(pipe_fd, kCredentialsStep, error);
  if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &filter) <
      0)
    fail(pipe_fd, kSeccompStep, errno);
  ::_exit(0);
}

}  // namespace

const char* const kCgroupGrant =
    "the process needs a writable cgroup hierarchy with the memory, pids and cpu controllers "
    "(cgroup v2 delegated to it, or v1 mounted): in a container, --cgroupns=private with a "
    "writable /sys/fs/cgroup, or --privileged";

std::string missing_facility(const std::string& facility, const std::string& error,
                             const std::string& grant) {
  return "cannot " + facility + ": " + error + " (" + grant + "; see " + kPrivilegesDoc + ")";
}

void check_kernel_facilities(const PreflightPlan& plan) {
  // Everything the child needs is made before the fork: it only makes system calls.
  const std::string proc_dir = plan.mount_point + "/proc";
  sock_fprog filter{};
  filter.len = static_cast<unsigned short>(plan.seccomp_filter.size() / sizeof(sock_filter));
  filter.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(plan.seccomp_filter.data()));
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("sandbox check: pipe", errno);
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  const pid_t child = ::fork();
  if (child < 0) throw_errno("sandbox check: fork", errno);
  if (child == 0) probe(write_end.get(), plan, proc_dir.c_str(), filter);
  write_end.reset();
  Failure failure;
  ssize_t got = 0;
  do {
    got = ::read(read_end.get(), &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (got == static_cast<ssize_t>(sizeof failure)) {
    const Step& step = kSteps[failure.step];
    throw SandboxError(missing_facility(step.facility, std::strerror(failure.error), step.grant));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw SandboxError("the sandbox's start-up check ended unexpectedly (wait status " +
                       std::to_string(status) + ")");
}

}  // namespace codearena::sandbox
