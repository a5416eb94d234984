// Attacks: the machine-wide budget of asynchronous I/O events (fs.aio-max-nr), which every
// process of the host draws from. Creates io_setup contexts until the kernel refuses.
// Prints "reserved N of MAX" and exits 1 when it held at least half of the machine's events,
// 0 otherwise.
#include <linux/aio_abi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static long read_number(const char* path, long fallback) {
  FILE* file = fopen(path, "r");
  long value = fallback;
  if (file != NULL) {
    if (fscanf(file, "%ld", &value) != 1) value = fallback;
    fclose(file);
  }
  return value;
}

int main(void) {
  const long max = read_number("/proc/sys/fs/aio-max-nr", 65536);
  const long chunk = 4096;
  long reserved = 0;
  for (;;) {
    aio_context_t context = 0;
    if (syscall(SYS_io_setup, chunk, &context) != 0) break;
    reserved += chunk;
  }
  printf("reserved %ld of %ld\n", reserved, max);
  return reserved * 2 >= max;
}
