// Attacks: RLIMIT_NOFILE. Opens /dev/null up to 100000 times and reports where it stopped.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  int opened = 0;
  int error = 0;
  for (int i = 0; i < 100000; ++i) {
    if (open("/dev/null", O_RDONLY) < 0) {
      error = errno;
      break;
    }
    ++opened;
  }
  printf("opened=%d error=%s\n", opened, error == EMFILE ? "EMFILE" : strerror(error));
  return 0;
}
