// Attacks: the end of a run and the slot's process count. The main thread exits at once while a
// second thread lives on: it tries to move itself out of the slot's cgroups (writing its id to
// the tasks or cgroup.procs files of each hierarchy's root and of the process's own cgroup),
// prints "moved PATH" for each write that worked and "tried", then waits forever.
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char* const kHierarchies[] = {"pids", "memory", "cpu", "cpuacct", "unified", ""};
static const char* const kFiles[] = {"tasks", "cgroup.procs", "cgroup.threads"};

static void try_move(const char* path, const char* tid) {
  const int fd = open(path, O_WRONLY);
  if (fd >= 0 && write(fd, tid, strlen(tid)) == (ssize_t)strlen(tid)) printf("moved %s\n", path);
  if (fd >= 0) close(fd);
}

static void* live_on(void* unused) {
  (void)unused;
  char tid[32];
  snprintf(tid, sizeof tid, "%ld", (long)syscall(SYS_gettid));
  char path[128];
  for (size_t h = 0; h < sizeof kHierarchies / sizeof kHierarchies[0]; ++h) {
    for (size_t f = 0; f < sizeof kFiles / sizeof kFiles[0]; ++f) {
      snprintf(path, sizeof path, "/sys/fs/cgroup/%s/%s", kHierarchies[h], kFiles[f]);
      try_move(path, tid);
    }
  }
  printf("tried\n");
  fflush(stdout);
  pause();  // No handler is set: only the signal that kills it ends this.
  return NULL;
}

int main(void) {
  pthread_t thread;
  if (pthread_create(&thread, NULL, live_on, NULL) != 0) return 1;
  pthread_exit(NULL);
}
