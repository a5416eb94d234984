// Attacks: the report of a blocked call. A program under the sandbox's filter may still stack
// a filter of its own (prctl PR_SET_SECCOMP, allowed by no_new_privs) or turn on syscall user
// dispatch (prctl PR_SET_SYSCALL_USER_DISPATCH): either way a call outside the allowlist never
// reaches the sandbox's filter as a notification, and the run ends as if nothing were tried,
// free to probe the whole policy. argv[1] is "seccomp" or "dispatch"; the probe is
// unshare(CLONE_NEWUSER).
// Exits 1 printing "hidden" when the call came back without the run being stopped, 0 printing
// "refused" when the program could not take the call for itself.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON 1
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif

static volatile char selector = SYSCALL_DISPATCH_FILTER_ALLOW;
static volatile sig_atomic_t dispatched;

static void on_sigsys(int signal) {
  (void)signal;
  dispatched = 1;
  selector = SYSCALL_DISPATCH_FILTER_ALLOW;  // Lets the handler's own rt_sigreturn through.
}

static int stack_own_filter(void) {
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog program = {sizeof code / sizeof code[0], code};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0);
}

static int dispatch_to_self(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_sigsys;
  if (sigaction(SIGSYS, &action, NULL) != 0) return -1;
  if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0, &selector) != 0) return -1;
  selector = SYSCALL_DISPATCH_FILTER_BLOCK;
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const int is_seccomp = strcmp(argv[1], "seccomp") == 0;
  if ((is_seccomp ? stack_own_filter() : dispatch_to_self()) != 0) {
    printf("%s refused: %s\n", argv[1], strerror(errno));
    return 0;
  }
  const long rc = syscall(SYS_unshare, CLONE_NEWUSER);
  const int error = errno;
  selector = SYSCALL_DISPATCH_FILTER_ALLOW;
  printf("hidden: unshare returned %ld (%s)%s\n", rc, strerror(error),
         dispatched ? ", dispatched to the program" : "");
  return 1;
}
