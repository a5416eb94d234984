// Attacks: processes outside the run. argv[1] selects the target:
//   all  - kill(-1, SIGKILL): every process the program may signal. A child of its own is
//          started first, so the call has something in reach and its effect can be seen;
//   init - kill(1, SIGKILL): the PID namespace's init, i.e. the slot's box keeper.
// Prints the result of kill() (and, for "all", how the child ended) and "survived"; exits 0.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const int all = argc > 1 && strcmp(argv[1], "all") == 0;
  pid_t child = -1;
  if (all) {
    child = fork();
    if (child == 0) {
      sleep(30);
      _exit(0);
    }
  }
  const int result = kill(all ? -1 : 1, SIGKILL);
  printf("kill(%d) = %d (%s)\n", all ? -1 : 1, result, result == 0 ? "ok" : strerror(errno));
  int status = 0;
  if (child > 0 && waitpid(child, &status, 0) == child) {
    printf("child: %s %d\n", WIFSIGNALED(status) ? "signal" : "exit",
           WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  }
  printf("survived\n");
  return 0;
}
