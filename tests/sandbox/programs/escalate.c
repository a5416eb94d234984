// Attacks: the program's own identity and limits. Tries to become root, raise the open-files
// limit past its hard limit, take a real-time or raised scheduling priority, a real-time I/O
// class, and to lock memory.
// Prints each attempt; exits 1 when any succeeded, 0 otherwise.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static int report(const char* what, int succeeded) {
  printf("%s: %s\n", what, succeeded ? "succeeded" : strerror(errno));
  return succeeded;
}

int main(void) {
  int any = 0;
  any |= report("setuid 0", setuid(0) == 0);
  struct rlimit files;
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max = files.rlim_max + 1;
  any |= report("raise RLIMIT_NOFILE", setrlimit(RLIMIT_NOFILE, &files) == 0);
  struct sched_param fifo = {.sched_priority = 1};
  any |= report("SCHED_FIFO", sched_setscheduler(0, SCHED_FIFO, &fifo) == 0);
  any |= report("nice -5", setpriority(PRIO_PROCESS, 0, -5) == 0);
  any |= report("real-time I/O class", syscall(SYS_ioprio_set, 1, 0, 1 << 13) == 0);
  static char page[4096];
  any |= report("mlock", mlock(page, sizeof page) == 0);
  return any;
}
