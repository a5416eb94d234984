// Fork bomb: forks busy children until fork fails 1000 times (the pids limit), then reports.
#include <unistd.h>

#include <cstdio>

int main() {
  int forks = 0, failures = 0;
  while (failures < 1000) {
    const pid_t pid = fork();
    if (pid == 0)
      for (volatile int spin = 0;; spin = spin + 1) {
      }
    if (pid < 0)
      ++failures;
    else
      ++forks;
  }
  std::printf("forks %d failures %d\n", forks, failures);
}
