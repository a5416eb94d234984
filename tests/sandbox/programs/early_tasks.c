// Attacks: the slot's cgroups from the program's first instruction. Before main (a constructor
// of a static program) it starts a thread with a raw clone(CLONE_THREAD), a vfork child that
// forks a grandchild and exits, and a forked child; each of them, and main, then waits forever.
// Any of them outside one of the slot's cgroups would run outside its limits.
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static char thread_stack[64 * 1024] __attribute__((aligned(16)));

// Raw system calls only: the thread shares the main thread's TLS.
static int wait_forever(void* unused) {
  (void)unused;
  for (;;) syscall(SYS_pause);
  return 0;
}

__attribute__((constructor)) static void start_before_main(void) {
  const int flags =
      CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
  if (clone(wait_forever, thread_stack + sizeof thread_stack, flags, NULL) < 0) _exit(3);
  if (vfork() == 0) {
    if (syscall(SYS_fork) == 0) wait_forever(NULL);
    _exit(0);
  }
  if (fork() == 0) wait_forever(NULL);
}

int main(void) {
  printf("started\n");
  fflush(stdout);
  wait_forever(NULL);
  return 0;
}
