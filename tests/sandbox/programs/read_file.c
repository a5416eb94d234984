// Attacks: confidentiality of host files. Prints the content of every path in argv to stdout,
// or "PATH: error" to stderr for the ones it cannot read; always exits 0.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
      continue;
    }
    char buffer[65536];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) fwrite(buffer, 1, (size_t)n, stdout);
    if (n < 0) fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
    close(fd);
  }
  return 0;
}
