// Attacks: the keeper's work between runs, and the memory of the next run. Leaves nearly as
// many UNIX sockets in flight as the kernel lets one user have (RLIMIT_NOFILE), none held by a
// process, with argv[2] MiB of an unnamed /box file (O_TMPFILE) at the bottom:
//   cycles - the file in the first of many socket pairs, each pair a cycle of its own;
//   nested - a chain: the file in pair 0's queue, pair 0 in pair 1's, and so on, the last pair
//            a cycle, so that each pair is freed only once the one above it is.
// The program removes its own file, so /box and /tmp hold nothing by name. Every socket is in
// flight before it is closed, so closing it releases none. Prints "planted N sockets" and
// exits 0.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "send_fd.h"

// Puts each end of `pair` in its own queue: a cycle no process holds once both are closed.
static int close_as_cycle(int pair[2]) {
  if (send_fd(pair[0], pair[1]) != 0 || send_fd(pair[1], pair[0]) != 0) return -1;
  close(pair[0]);
  close(pair[1]);
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const int nested = strcmp(argv[1], "nested") == 0;
  const long mib = atol(argv[2]);
  if (unlink(argv[0]) != 0) return 3;
  static char block[1 << 20];
  memset(block, 'x', sizeof block);
  const int file = open("/box", O_TMPFILE | O_RDWR, 0600);
  if (file < 0) return 3;
  for (long i = 0; i < mib; ++i)
    if (write(file, block, sizeof block) != (ssize_t)sizeof block) return 3;

  int below[2];
  if (socketpair(AF_UNIX, SOCK_DGRAM, 0, below) != 0 || send_fd(below[0], file) != 0) return 3;
  close(file);
  // The kernel refuses to put more descriptors in flight for one user than its open-files
  // limit: every send below counts, and the last two make the top pair a cycle.
  struct rlimit open_files;
  if (getrlimit(RLIMIT_NOFILE, &open_files) != 0) return 3;
  const long pairs = ((long)open_files.rlim_cur - 8) / 2;
  long sockets = 2;
  for (long i = 0; i < pairs; ++i) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) != 0) return 4;
    if (nested) {
      // The pair below goes into this one's queue; this one is the next below.
      if (send_fd(pair[0], below[0]) != 0 || send_fd(pair[0], below[1]) != 0) return 4;
      close(below[0]);
      close(below[1]);
      below[0] = pair[0];
      below[1] = pair[1];
    } else if (close_as_cycle(pair) != 0) {
      return 4;
    }
    sockets += 2;
  }
  if (close_as_cycle(below) != 0) return 4;
  printf("planted %ld sockets\n", sockets);
  return 0;
}
