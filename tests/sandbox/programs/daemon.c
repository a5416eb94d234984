// Attacks: the end of a run. Double-forks a grandchild in its own session (a daemon) that
// tries to outlive the run, then exits at once. The daemon sleeps up to 60 s and, if it is
// ever still alive, drops a file in /tmp to haunt the next run.
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    if (setsid() < 0) _exit(1);
    signal(SIGHUP, SIG_IGN);
    const pid_t grandchild = fork();
    if (grandchild != 0) _exit(grandchild < 0);
    for (int i = 0; i < 60; ++i) {
      sleep(1);
      close(open("/tmp/daemon-was-here", O_WRONLY | O_CREAT, 0644));
    }
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  printf("daemon started\n");
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
