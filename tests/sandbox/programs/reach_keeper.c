// Attacks: the slot's box keeper, PID 1 of the box, or with argv[2] ("2" to "4") one of its other
// threads (the worker, the spawning threads). argv[1] names one way to reach it:
//   signal, sigqueue, tgkill, tkill   - a signal to the process, or to the thread;
//   pidfd_signal, pidfd_getfd         - a pidfd of PID 1, then a signal or a copy of its fd 3
//                                       (the keeper's control socket);
//   pidfd_namespace                   - a pidfd of PID 1, then its mount namespace (ioctl);
//   ptrace, vm_readv                  - attach to it, read its memory;
//   proc_mem, proc_fd, proc_root      - its /proc entries;
//   proc_status, proc_ns              - its thread's status, its IPC namespace;
//   prlimit, priority, affinity       - read its limits, change its scheduling;
//   sigio                             - make it the owner of a pipe (F_SETOWN_EX) whose I/O
//                                       signal is SIGKILL (F_SETSIG), then make I/O ready.
// Exits 1 printing "reached" when the keeper was affected or read, 0 printing "refused".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define KEEPER 1
#define PIDFD_GET_MNT_NAMESPACE _IO(0xFF, 3)
#define PIDFD_THREAD O_EXCL

static int target = KEEPER;  // The thread attacked: the keeper's main thread, or another.

// A pidfd of the target; a thread that leads no process needs PIDFD_THREAD (Linux 6.9).
static int pidfd_of_keeper(void) {
  return (int)syscall(SYS_pidfd_open, target, target == KEEPER ? 0 : PIDFD_THREAD);
}

static int open_proc(const char* format, int flags) {
  char path[64];
  snprintf(path, sizeof path, format, target);
  return open(path, flags);
}

static int attempt(const char* how) {
  if (strcmp(how, "signal") == 0) return kill(target, SIGTERM) == 0;
  if (strcmp(how, "sigqueue") == 0) return sigqueue(target, SIGUSR1, (union sigval){0}) == 0;
  if (strcmp(how, "tgkill") == 0) return syscall(SYS_tgkill, KEEPER, target, SIGTERM) == 0;
  if (strcmp(how, "tkill") == 0) return syscall(SYS_tkill, target, SIGKILL) == 0;
  if (strcmp(how, "pidfd_signal") == 0) {
    const int pidfd = pidfd_of_keeper();
    return pidfd >= 0 && syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0) == 0;
  }
  if (strcmp(how, "pidfd_getfd") == 0) {
    const int pidfd = pidfd_of_keeper();
    return pidfd >= 0 && syscall(SYS_pidfd_getfd, pidfd, 3, 0) >= 0;
  }
  if (strcmp(how, "pidfd_namespace") == 0) {
    const int pidfd = pidfd_of_keeper();
    return pidfd >= 0 && ioctl(pidfd, PIDFD_GET_MNT_NAMESPACE, 0) >= 0;
  }
  if (strcmp(how, "ptrace") == 0) return ptrace(PTRACE_ATTACH, target, NULL, NULL) == 0;
  if (strcmp(how, "vm_readv") == 0) {
    char buffer[64];
    struct iovec local = {buffer, sizeof buffer};
    struct iovec remote = {(void*)0x400000, sizeof buffer};
    return process_vm_readv(target, &local, 1, &remote, 1, 0) > 0;
  }
  if (strcmp(how, "proc_mem") == 0) return open_proc("/proc/%d/mem", O_RDONLY) >= 0;
  if (strcmp(how, "proc_fd") == 0) return open_proc("/proc/%d/fd/3", O_RDWR) >= 0;
  if (strcmp(how, "proc_root") == 0)
    return open_proc("/proc/%d/root/", O_RDONLY | O_DIRECTORY) >= 0;
  if (strcmp(how, "proc_status") == 0) return open_proc("/proc/1/task/%d/status", O_RDONLY) >= 0;
  if (strcmp(how, "proc_ns") == 0) return open_proc("/proc/%d/ns/ipc", O_RDONLY) >= 0;
  if (strcmp(how, "prlimit") == 0) {
    struct rlimit limit;
    return prlimit(target, RLIMIT_NOFILE, NULL, &limit) == 0;
  }
  if (strcmp(how, "priority") == 0) return setpriority(PRIO_PROCESS, target, 19) == 0;
  if (strcmp(how, "affinity") == 0) {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    return sched_setaffinity(target, sizeof cpus, &cpus) == 0;
  }
  if (strcmp(how, "sigio") == 0) {
    int ends[2];
    if (pipe(ends) != 0) return 0;
    // fcntl may accept the owner: the signal is what must not arrive, which the engine sees
    // as the same keeper after the run.
    const struct f_owner_ex owner = {target == KEEPER ? F_OWNER_PID : F_OWNER_TID, target};
    if (fcntl(ends[0], F_SETOWN_EX, &owner) != 0 || fcntl(ends[0], F_SETSIG, SIGKILL) != 0 ||
        fcntl(ends[0], F_SETFL, O_ASYNC | O_NONBLOCK) != 0) {
      return 0;
    }
    const ssize_t written = write(ends[1], "x", 1);
    (void)written;
    return 0;
  }
  fprintf(stderr, "unknown way '%s'\n", how);
  return 2;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  if (argc > 2) target = atoi(argv[2]);
  const int reached = attempt(argv[1]);
  if (reached == 2) return 2;
  printf("%s %s (%s)\n", argv[1], reached ? "reached" : "refused", reached ? "" : strerror(errno));
  return reached;
}
