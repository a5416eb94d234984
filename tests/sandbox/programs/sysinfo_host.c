// Attacks: what sysinfo(2) tells of the machine. Its process count is the host's (every thread
// of every slot and of the host), which shows other slots' activity and makes a channel between
// two runs (one starts threads, the other watches the count). Compares it with the threads
// the run itself has in its /proc.
// Exits 1 printing both counts when sysinfo shows more threads than the run has, 0 otherwise.
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>

static int threads_in_run(void) {
  int count = 0;
  DIR* proc = opendir("/proc");
  if (proc == NULL) return -1;
  for (struct dirent* entry; (entry = readdir(proc)) != NULL;) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    char path[300];
    snprintf(path, sizeof path, "/proc/%s/task", entry->d_name);
    DIR* tasks = opendir(path);
    if (tasks == NULL) continue;
    for (struct dirent* task; (task = readdir(tasks)) != NULL;) {
      if (task->d_name[0] != '.') ++count;
    }
    closedir(tasks);
  }
  closedir(proc);
  return count;
}

int main(void) {
  struct sysinfo info;
  if (sysinfo(&info) != 0) {
    printf("sysinfo refused\n");
    return 0;
  }
  const int own = threads_in_run();
  printf("sysinfo counts %u threads, the run has %d\n", (unsigned)info.procs, own);
  return info.procs > (unsigned)own + 1;
}
