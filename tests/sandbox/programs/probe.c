// Produces: a report of what a run finds when it starts, to prove the previous run left
// nothing behind. One line per finding:
//   self PID    - the probe's own PID;
//   pid PID     - every process visible in /proc (the probe itself included);
//   box NAME    - every entry of /box (the probe's own file included);
//   tmp NAME    - every entry of /tmp;
//   ipc KIND N  - System V IPC objects of the kind (shm, sem, msg) in this IPC namespace.
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void list(const char* dir, const char* tag, int digits_only) {
  DIR* handle = opendir(dir);
  if (handle == NULL) {
    printf("%s <unreadable>\n", tag);
    return;
  }
  for (struct dirent* entry; (entry = readdir(handle)) != NULL;) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    if (digits_only && !isdigit((unsigned char)entry->d_name[0])) continue;
    printf("%s %s\n", tag, entry->d_name);
  }
  closedir(handle);
}

static void count_ipc(const char* kind) {
  char path[64];
  snprintf(path, sizeof path, "/proc/sysvipc/%s", kind);
  FILE* file = fopen(path, "r");
  int lines = 0;
  if (file != NULL) {
    for (int c; (c = fgetc(file)) != EOF;) lines += c == '\n';
    fclose(file);
  }
  printf("ipc %s %d\n", kind, lines > 0 ? lines - 1 : -1);  // The first line is a header.
}

int main(void) {
  printf("self %d\n", (int)getpid());
  list("/proc", "pid", 1);
  list("/box", "box", 0);
  list("/tmp", "tmp", 0);
  count_ipc("shm");
  count_ipc("sem");
  count_ipc("msg");
  return 0;
}
