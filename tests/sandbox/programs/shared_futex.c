// Attacks: futexes on a file every slot and the host map read-only. A shared futex is keyed by
// the file's inode and offset, not by the process: a waiter in one box can be woken from
// another box or from the host, a channel between runs. Waits on the first word of argv[1],
// mapped shared; the host wakes that futex while the run waits.
// Exits 1 printing "woken" when a wake arrived, 0 at once when the wait is refused.
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const int fd = open(argv[1], O_RDONLY);
  uint32_t* word =
      fd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
  if (word == MAP_FAILED) {
    printf("map refused: %s\n", strerror(errno));
    return 0;
  }
  for (;;) {
    if (syscall(SYS_futex, word, FUTEX_WAIT, *word, NULL, NULL, 0) == 0) {
      printf("woken\n");
      return 1;
    }
    if (errno != EINTR) {
      printf("wait refused: %s\n", strerror(errno));
      return 0;
    }
  }
}
