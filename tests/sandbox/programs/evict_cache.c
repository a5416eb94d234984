// Attacks: the page cache of files the host and every slot share read-only. Advises the kernel
// that argv[1] is not needed (POSIX_FADV_DONTNEED), which drops its cached pages for everyone:
// a run could make other slots' compilers and runtimes read their files from disk again, or
// time reads to learn which shared files other slots use.
// Prints what the advice returned and exits 0; the host checks whether its cache survived.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const int fd = open(argv[1], O_RDONLY);
  if (fd < 0) {
    printf("open refused: %s\n", strerror(errno));
    return 0;
  }
  const int error = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  printf("advice %s\n", error == 0 ? "taken" : strerror(error));
  return 0;
}
