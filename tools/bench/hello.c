/* The trivial program of `codearena-bench sandbox`: prints "hello" and exits 0. Built static
 * with -O2 so a run costs one fork, one exec and one write, with no dynamic loading. */
#include <unistd.h>

int main(void) {
  static const char kMessage[] = "hello\n";
  return write(STDOUT_FILENO, kMessage, sizeof kMessage - 1) == sizeof kMessage - 1 ? 0 : 1;
}
