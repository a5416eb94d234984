// Attacks: the size of a writable directory (argv[1], /box or /tmp). Writes 1 MiB files until a
// write fails (at most 4 GiB), then reports how much it wrote and why it stopped.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : ".";
  static char chunk[1 << 20];
  memset(chunk, 'd', sizeof chunk);
  long long total = 0;
  int error = 0;
  for (int i = 0; i < 4096 && error == 0; ++i) {
    char path[4096];
    snprintf(path, sizeof path, "%s/fill-%d", dir, i);
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
      error = errno;
      break;
    }
    const ssize_t n = write(fd, chunk, sizeof chunk);
    if (n < 0) error = errno;
    if (n > 0) total += n;
    if (n >= 0 && n < (ssize_t)sizeof chunk) error = ENOSPC;
    close(fd);
  }
  printf("wrote %lld bytes, stopped by %s\n", total, error ? strerror(error) : "the count");
  return 0;
}
