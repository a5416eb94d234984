// Attacks: the process limit. For 1 s every process forks as fast as it can (every child
// becomes a forker too, backing off 10 ms after a failed fork). Children then sleep up to 60 s
// holding their PIDs; the main process counts the processes it can see in /proc, prints
// "forks=N failures=N procs=N" and exits 0.
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int count_processes(void) {
  DIR* proc = opendir("/proc");
  if (proc == NULL) return -1;
  int count = 0;
  for (struct dirent* entry; (entry = readdir(proc)) != NULL;) {
    if (isdigit((unsigned char)entry->d_name[0])) ++count;
  }
  closedir(proc);
  return count;
}

int main(void) {
  const pid_t main_pid = getpid();
  const long long deadline = now_ms() + 1000;
  int forks = 0;
  int failures = 0;
  while (now_ms() < deadline) {
    const pid_t pid = fork();
    if (pid == 0) continue;
    if (pid > 0) {
      ++forks;
    } else {
      ++failures;
      usleep(10000);
    }
  }
  if (getpid() != main_pid) {
    sleep(60);
    _exit(0);
  }
  printf("forks=%d failures=%d procs=%d\n", forks, failures, count_processes());
  return 0;
}
