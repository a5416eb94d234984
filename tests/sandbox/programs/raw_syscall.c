// Attacks: the system-call filter. Makes system call number argv[1] with up to six numeric
// arguments (argv[2..7], any base strtoul accepts), then prints what it returned. A blocked
// call never returns: the supervisor ends the run.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const long number = strtol(argv[1], NULL, 0);
  unsigned long args[6] = {0};
  for (int i = 0; i < 6 && i + 2 < argc; ++i) args[i] = strtoul(argv[i + 2], NULL, 0);
  const pid_t self = getpid();
  const long result = syscall(number, args[0], args[1], args[2], args[3], args[4], args[5]);
  const int error = errno;
  if (getpid() != self) _exit(0);  // The child of an unblocked clone.
  printf("syscall %ld returned %ld (%s)\n", number, result, result < 0 ? strerror(error) : "ok");
  return 0;
}
