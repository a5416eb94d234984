// Produces: argv[1] milliseconds of CPU time burnt by the main thread, then exit 0.
// Bounded: gives up after 60 s of wall time in any case.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char** argv) {
  const long long want = argc > 1 ? atoll(argv[1]) : 1000;
  const long long wall_end = now_ms(CLOCK_MONOTONIC) + 60000;
  volatile unsigned long sink = 0;
  while (now_ms(CLOCK_PROCESS_CPUTIME_ID) < want && now_ms(CLOCK_MONOTONIC) < wall_end) {
    for (int i = 0; i < 100000; ++i) sink += (unsigned long)i;
  }
  printf("burnt %lld ms\n", now_ms(CLOCK_PROCESS_CPUTIME_ID));
  return 0;
}
