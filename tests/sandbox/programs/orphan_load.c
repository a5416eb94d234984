// Produces: exit 0 after a grandchild that nobody waits for (it is handed to the box's PID 1)
// has touched argv[2] MiB ("memory") or burnt argv[2] ms of CPU ("cpu"), then ended.
// Attacks: memory and CPU figures taken from wait4's rusage of the main process, which never
// sees a process it did not wait for. Bounded by 60 s of wall time.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void load(const char* kind, long long amount) {
  if (strcmp(kind, "memory") == 0) {
    const size_t bytes = (size_t)amount << 20;
    char* block = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) _exit(3);
    for (size_t at = 0; at < bytes; at += 4096) block[at] = 1;
    munmap(block, bytes);
    return;
  }
  const long long wall_end = now_ms(CLOCK_MONOTONIC) + 60000;
  volatile unsigned long sink = 0;
  while (now_ms(CLOCK_THREAD_CPUTIME_ID) < amount && now_ms(CLOCK_MONOTONIC) < wall_end) {
    for (int i = 0; i < 100000; ++i) sink += (unsigned long)i;
  }
}

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  int done[2];
  if (pipe(done) != 0) return 2;
  const pid_t child = fork();
  if (child < 0) return 2;
  if (child == 0) {
    if (fork() == 0) {  // The grandchild: its parent exits at once, PID 1 reaps it.
      load(argv[1], atoll(argv[2]));
      (void)write(done[1], "x", 1);
      _exit(0);
    }
    _exit(0);
  }
  close(done[1]);
  waitpid(child, NULL, 0);
  char byte;
  if (read(done[0], &byte, 1) != 1) return 4;
  printf("grandchild done\n");
  return 0;
}
