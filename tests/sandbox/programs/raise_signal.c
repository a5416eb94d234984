// Produces: death by the signal numbered argv[1], sent by the program to itself at once.
// Attacks: verdicts read from the signal alone (SIGXCPU taken for a CPU limit the kernel
// enforced, SIGXFSZ for a file limit, SIGSYS for a blocked system call).
#include <signal.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const int number = atoi(argv[1]);
  signal(number, SIG_DFL);
  raise(number);
  return 3;
}
