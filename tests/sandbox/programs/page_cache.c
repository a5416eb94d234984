// Attacks: the memory accounting of the next run on the slot. Reads files of the shared,
// read-only /usr/lib (the test drops them from the page cache first), so that the cache they
// fill is charged to the slot's cgroup and stays there after the run, until argv[1] MiB were
// read.
// Prints "read N MiB" and exits 0.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long wanted;
static long done;
static char block[1 << 16];

static void read_tree(const char* dir) {
  DIR* listing = opendir(dir);
  if (listing == NULL) return;
  for (struct dirent* entry; done < wanted && (entry = readdir(listing)) != NULL;) {
    if (entry->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, entry->d_name);
    struct stat st;
    if (lstat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      read_tree(path);
    } else if (S_ISREG(st.st_mode)) {
      const int fd = open(path, O_RDONLY);
      if (fd < 0) continue;
      for (ssize_t n; done < wanted && (n = read(fd, block, sizeof block)) > 0;) done += n;
      close(fd);
    }
  }
  closedir(listing);
}

int main(int argc, char** argv) {
  wanted = (argc > 1 ? atol(argv[1]) : 32) << 20;
  read_tree("/usr/lib");
  printf("read %ld MiB\n", done >> 20);
  return 0;
}
