// Attacks: what /proc tells a run about the host. Prints /proc/self/cgroup and exits 1 when a
// line names a cgroup path of the host (anything but "/"), 0 otherwise.
#include <stdio.h>
#include <string.h>

int main(void) {
  FILE* file = fopen("/proc/self/cgroup", "r");
  if (file == NULL) return 0;
  int leaked = 0;
  char line[4096];
  while (fgets(line, sizeof line, file) != NULL) {
    fputs(line, stdout);
    const char* path = strchr(strchr(line, ':') + 1, ':') + 1;
    if (strcmp(path, "/\n") != 0) leaked = 1;
  }
  fclose(file);
  return leaked;
}
