// Attacks: locks on a file every slot and the host share read-only (argv[2], under /usr), a
// channel between boxes running at the same time. argv[1]:
//   flock - try flock(LOCK_EX | LOCK_NB);
//   ofd   - ask for the first lock that would conflict with a write lock (F_OFD_GETLK).
// Exits 1 printing "foreign lock" when it saw a lock it did not take, 0 otherwise.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const int fd = open(argv[2], O_RDONLY);
  if (fd < 0) {
    printf("open %s: %s\n", argv[2], strerror(errno));
    return 0;
  }
  int foreign = 0;
  if (strcmp(argv[1], "flock") == 0) {
    foreign = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  } else {
    struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    foreign = fcntl(fd, F_OFD_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
  }
  printf("%s\n", foreign ? "foreign lock" : "no foreign lock");
  return foreign;
}
