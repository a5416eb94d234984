// Attacks: the seccomp listener one keeper's runs share in turn. Starts argv[1] children, each of
// which makes a call the filter reports (acct, which no runtime makes) and so waits on the
// listener, then exits 0 at once, without waiting: the run ends with notifications pending, or
// with some of the children still on their way to the call. None of them may reach the next
// run, in whose name the engine reads the same listener.
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const int children = atoi(argv[1]);
  for (int i = 0; i < children; ++i) {
    const pid_t child = fork();
    if (child == 0) {
      syscall(SYS_acct, 0);
      _exit(0);
    }
    if (child < 0) break;
  }
  return 0;
}
