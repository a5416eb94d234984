// Attacks: the output limit. Writes up to 1 GiB of 'x' to stdout or stderr (argv[1]).
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const int fd = argc > 1 && strcmp(argv[1], "stderr") == 0 ? 2 : 1;
  static char chunk[65536];
  memset(chunk, 'x', sizeof chunk);
  for (int i = 0; i < 16384; ++i) {
    if (write(fd, chunk, sizeof chunk) < 0) return 1;
  }
  return 0;
}
