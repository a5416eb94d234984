// Produces: argv[1] threads, each burning argv[2] ms of its own CPU time, then exit 0.
// Attacks: CPU accounting that only charges the main thread. Bounded by 60 s of wall time.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long per_thread_ms;

static long long now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void* burn(void* unused) {
  (void)unused;
  const long long wall_end = now_ms(CLOCK_MONOTONIC) + 60000;
  volatile unsigned long sink = 0;
  while (now_ms(CLOCK_THREAD_CPUTIME_ID) < per_thread_ms && now_ms(CLOCK_MONOTONIC) < wall_end) {
    for (int i = 0; i < 100000; ++i) sink += (unsigned long)i;
  }
  return NULL;
}

int main(int argc, char** argv) {
  const int count = argc > 1 ? atoi(argv[1]) : 2;
  per_thread_ms = argc > 2 ? atoll(argv[2]) : 300;
  pthread_t threads[256];
  int started = 0;
  for (; started < count && started < 256; ++started) {
    if (pthread_create(&threads[started], NULL, burn, NULL) != 0) break;
  }
  for (int i = 0; i < started; ++i) pthread_join(threads[i], NULL);
  printf("threads=%d cpu=%lld ms\n", started, now_ms(CLOCK_PROCESS_CPUTIME_ID));
  return 0;
}
