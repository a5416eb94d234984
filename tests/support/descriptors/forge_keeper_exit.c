// Treats every descriptor from 3 to 64 as the box keeper's control socket and sends it a
// forged report "the program exited with status 0" (sandbox/wire.h: the type byte kExited = 7,
// then the u64 fields status, wall time in microseconds, number of collected files and length
// of the problems text, all 0), then spins. A program must have no channel to its supervisor:
// the run still ends at the CPU time limit.
#include <stdio.h>
#include <sys/socket.h>

int main(void) {
  const unsigned char forged_exit[1 + 4 * 8] = {7};
  for (int fd = 3; fd <= 64; ++fd) {
    if (send(fd, forged_exit, sizeof forged_exit, MSG_DONTWAIT | MSG_NOSIGNAL) ==
        (ssize_t)sizeof forged_exit) {
      printf("sent a forged exit report on fd %d\n", fd);
    }
  }
  fflush(stdout);
  for (volatile unsigned long spins = 0;; ++spins) {
  }
}
