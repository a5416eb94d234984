// Lists every descriptor above 2 this program started with, with what it is, and exits 1 if
// there is any: a sandboxed program must start with exactly stdin, stdout and stderr.
//
// Two views, so that neither a missing /proc nor one that hides entries can hide a descriptor:
// the entries of /proc/self/fd, and fcntl(F_GETFD) on every number from 3 to 1023.
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define HIGHEST_PROBED 1023
#define HIGHEST_LISTED 65535

static char found[HIGHEST_LISTED + 1];

static void list_proc_entries(void) {
  DIR* listing = opendir("/proc/self/fd");
  if (listing == NULL) {
    printf("/proc/self/fd cannot be listed; probing only\n");
    return;
  }
  const int own = dirfd(listing);
  for (struct dirent* entry; (entry = readdir(listing)) != NULL;) {
    if (entry->d_name[0] == '.') continue;
    const long fd = strtol(entry->d_name, NULL, 10);
    if (fd > 2 && fd != own && fd <= HIGHEST_LISTED) found[fd] = 1;
  }
  closedir(listing);
}

static void probe(void) {
  for (int fd = 3; fd <= HIGHEST_PROBED; ++fd) {
    if (fcntl(fd, F_GETFD) != -1) found[fd] = 1;
  }
}

int main(void) {
  list_proc_entries();
  probe();
  int count = 0;
  for (int fd = 3; fd <= HIGHEST_LISTED; ++fd) {
    if (!found[fd]) continue;
    char link[64], target[512];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    const ssize_t length = readlink(link, target, sizeof target - 1);
    target[length < 0 ? 0 : length] = '\0';
    printf("inherited fd %d: %s\n", fd, length < 0 ? "unknown: no /proc entry" : target);
    ++count;
  }
  if (count == 0) printf("no descriptor above 2 was inherited\n");
  return count == 0 ? 0 : 1;
}
