// Attacks: the set-up calls the filter lets through with the sandbox's marker (argv[1], in any
// base strtoull accepts): becomes root (setresuid, setresgid), takes group 0 (setgroups), raises
// every capability (capset), makes a cgroup namespace, enters its own network and IPC
// namespaces again (setns), also through a pidfd of a child of its own (which names every
// namespace of that child at once), each with the marker where the sandbox puts it.
// Prints each attempt; exits 1 when any succeeded or changed what the program is, 0 otherwise.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int report(const char* what, long result) {
  printf("%s: %s\n", what, result == 0 ? "succeeded" : strerror(errno));
  return result == 0;
}

static long enter_own(const char* path, int kind, unsigned long long marker) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  return fd < 0 ? -1 : syscall(SYS_setns, fd, kind, marker);
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const unsigned long long marker = strtoull(argv[1], NULL, 0);
  const uid_t uid = getuid();
  int any = 0;
  any |= report("setresuid 0", syscall(SYS_setresuid, 0, 0, 0, marker));
  any |= report("setresgid 0", syscall(SYS_setresgid, 0, 0, 0, marker));
  const gid_t root_group = 0;
  any |= report("setgroups 0", syscall(SYS_setgroups, 1, &root_group, marker));
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct all[2];
  memset(all, 0xff, sizeof all);
  any |= report("capset all", syscall(SYS_capset, &header, all, marker));
  any |= report("cgroup namespace", syscall(SYS_unshare, CLONE_NEWCGROUP, marker));
  any |= report("network namespace", enter_own("/proc/self/ns/net", CLONE_NEWNET, marker));
  any |= report("IPC namespace", enter_own("/proc/self/ns/ipc", CLONE_NEWIPC, marker));
  // A pidfd from clone(CLONE_PIDFD) (no namespace flag: allowed) of a child that waits.
  int pidfd = -1;
  const long child = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  if (child < 0 || pidfd < 0) {
    printf("pidfd: %s\n", strerror(errno));
    return 1;
  }
  any |= report("IPC namespace through a pidfd", syscall(SYS_setns, pidfd, CLONE_NEWIPC, marker));
  any |= report("network namespace through a pidfd",
                syscall(SYS_setns, pidfd, CLONE_NEWNET, marker));
  kill(child, SIGKILL);
  waitpid(child, NULL, 0);
  // Setting its own ids again is allowed and changes nothing.
  report("setresuid to itself", syscall(SYS_setresuid, uid, uid, uid, marker));
  struct __user_cap_data_struct held[2];
  memset(held, 0, sizeof held);
  const int caps_read = syscall(SYS_capget, &header, held) == 0;
  const int unchanged = getuid() == uid && geteuid() == uid && caps_read &&
                        held[0].effective == 0 && held[0].permitted == 0 &&
                        held[1].effective == 0 && held[1].permitted == 0;
  printf("identity: %s\n", unchanged ? "unchanged" : "changed");
  return any || !unchanged;
}
