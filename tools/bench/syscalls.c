/* The system-call-heavy program for `codearena-bench sandbox --program`: 1,000,000 getppid and
 * 1,000,000 empty reads, then "done". Against the bare run it shows what the seccomp filter
 * costs per call, which the start-up dominated hello run cannot. Built static like hello.c. */
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  static const char kMessage[] = "done\n";
  char byte;
  for (int i = 0; i < 1000000; ++i) {
    syscall(SYS_getppid);
    (void)read(STDIN_FILENO, &byte, 0);
  }
  return write(STDOUT_FILENO, kMessage, sizeof kMessage - 1) == sizeof kMessage - 1 ? 0 : 1;
}
