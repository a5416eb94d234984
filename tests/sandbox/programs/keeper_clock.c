// Attacks: the CPU-time clock of process 1, the box keeper, which the kernel lets any process of
// the PID namespace read (no permission check on another process's CPU clock). The keeper's
// CPU time sums what its threads did for every run of the slot: the input files it copied into
// /box, the files it handed back, the runs it started, so reading it tells a program of earlier
// runs, other users' among them. argv[1] names the way:
//   gettime, getres, nanosleep - clock_gettime, clock_getres, clock_nanosleep (absolute, at the
//                                clock's current time) on the keeper's process clock;
//   high                       - clock_gettime with bits above the low 32 of the clock id set,
//                                which the kernel ignores (clockid_t is an int);
//   threads                    - the thread clocks of the keeper's other threads, 2 to 4 (the
//                                worker and the spawning threads), which have no process clock;
//   own                        - the clocks a program may read: its own process and thread
//                                clocks (by constant, by its pid, by thread id) and a child's.
// Prints "keeper cpu N" when it read the keeper's clock and exits 1; exits 0 when every way was
// refused by the kernel (or, for "own", every clock of its own could be read).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// The kernel's encoding of a process's CPU clock (posix-timers.h): CPUCLOCK_SCHED of `pid`.
static clockid_t process_clock(pid_t pid) { return (clockid_t)((~(unsigned)pid) << 3) | 2; }

static int read_clock(const char* what, uint64_t clock) {
  struct timespec now = {0, 0};
  if (syscall(SYS_clock_gettime, clock, &now) != 0) {
    printf("%s: %s\n", what, strerror(errno));
    return 0;
  }
  printf("%s %lld\n", what, (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
  return 1;
}

static int own_clocks(void) {
  int read = 0;
  read += read_clock("process", CLOCK_PROCESS_CPUTIME_ID);
  read += read_clock("thread", CLOCK_THREAD_CPUTIME_ID);
  read += read_clock("by pid", (uint32_t)process_clock(getpid()));
  clockid_t thread_clock;
  if (pthread_getcpuclockid(pthread_self(), &thread_clock) == 0)
    read += read_clock("by thread id", (uint32_t)thread_clock);
  const pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  if (child > 0) {
    read += read_clock("child", (uint32_t)process_clock(child));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
  }
  return read == 5 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* way = argv[1];
  if (strcmp(way, "own") == 0) return own_clocks();
  const uint32_t keeper = (uint32_t)process_clock(1);
  if (strcmp(way, "gettime") == 0) return read_clock("keeper cpu", keeper);
  if (strcmp(way, "high") == 0) return read_clock("keeper cpu", (1ULL << 32) | keeper);
  if (strcmp(way, "threads") == 0) {
    int any = 0;
    for (unsigned thread = 2; thread <= 4; ++thread) {
      const uint32_t thread_clock = (uint32_t)process_clock((pid_t)thread) | 4;
      any |= read_clock("keeper thread cpu", thread_clock);
      any |= read_clock("keeper thread as a process", (uint32_t)process_clock((pid_t)thread));
    }
    return any;
  }
  if (strcmp(way, "getres") == 0) {
    struct timespec resolution;
    const long result = syscall(SYS_clock_getres, (uint64_t)keeper, &resolution);
    printf("getres: %s\n", result == 0 ? "keeper clock found" : strerror(errno));
    return result == 0;
  }
  if (strcmp(way, "nanosleep") == 0) {
    struct timespec now = {0, 0};
    const long result = syscall(SYS_clock_nanosleep, (uint64_t)keeper, TIMER_ABSTIME, &now, NULL);
    printf("nanosleep: %s\n", result == 0 ? "slept on the keeper's clock" : strerror(errno));
    return result == 0;
  }
  return 2;
}
