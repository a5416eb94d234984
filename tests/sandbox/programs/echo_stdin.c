// Produces: a fixed greeting on stdout, then a copy of stdin (the "ok" path of a run).
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("hello from the box\n");
  fflush(stdout);
  char buffer[4096];
  ssize_t n;
  while ((n = read(0, buffer, sizeof buffer)) > 0) {
    if (write(1, buffer, (size_t)n) != n) return 1;
  }
  return 0;
}
