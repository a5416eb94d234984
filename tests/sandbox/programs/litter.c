// Attacks: what one run leaves in /box and /tmp for the next. "leave" litters both (files with
// odd modes, a directory closed with mode 000, a deep tree, a FIFO, a bound socket, the roots'
// mode and times changed, a file held open by a process that outlives the program, /tmp filled
// to the last byte) and prints "left". "inspect" reports what a run finds, one line per
// directory: "DIR mode MODE old_times YES|NO used BLOCKS entries NAME...".
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <unistd.h>

static int litter(const char* dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/mode0", dir);
  int fd = open(path, O_WRONLY | O_CREAT, 0);
  if (fd < 0 || write(fd, "x", 1) != 1 || fchmod(fd, 0) != 0) return -1;
  close(fd);
  snprintf(path, sizeof path, "%s/setuid", dir);
  fd = open(path, O_WRONLY | O_CREAT, 04755);
  if (fd < 0 || fchmod(fd, 06755) != 0) return -1;
  close(fd);
  snprintf(path, sizeof path, "%s/locked", dir);
  if (mkdir(path, 0755) != 0) return -1;
  snprintf(path, sizeof path, "%s/locked/inside", dir);
  if (close(open(path, O_WRONLY | O_CREAT, 0644)) != 0) return -1;
  snprintf(path, sizeof path, "%s/locked", dir);
  if (chmod(path, 0) != 0) return -1;
  snprintf(path, sizeof path, "%s/deep", dir);
  for (int depth = 0; depth < 200; ++depth) {
    if (mkdir(path, 0755) != 0) return -1;
    strncat(path, "/d", sizeof path - strlen(path) - 1);
  }
  snprintf(path, sizeof path, "%s/fifo", dir);
  if (mkfifo(path, 0666) != 0) return -1;
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  snprintf(address.sun_path, sizeof address.sun_path, "%s/socket", dir);
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  if (listener < 0 || bind(listener, (struct sockaddr*)&address, sizeof address) != 0 ||
      listen(listener, 1) != 0)
    return -1;
  snprintf(path, sizeof path, "%s/.hidden", dir);
  if (close(open(path, O_WRONLY | O_CREAT, 0644)) != 0) return -1;
  const struct timespec epoch[2] = {{0, 0}, {0, 0}};
  if (chmod(dir, 0700) != 0 || utimensat(AT_FDCWD, dir, epoch, 0) != 0) return -1;
  return 0;
}

// A process that outlives the program, holding a file of `dir` open.
static int linger(const char* dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/held", dir);
  const int fd = open(path, O_RDWR | O_CREAT, 0644);
  if (fd < 0) return -1;
  const pid_t child = fork();
  if (child == 0) {
    for (;;) pause();
  }
  return child < 0 ? -1 : 0;
}

static void fill(const char* dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/fill", dir);
  const int fd = open(path, O_WRONLY | O_CREAT, 0644);
  static char chunk[1 << 16];
  while (fd >= 0 && write(fd, chunk, sizeof chunk) > 0) {
  }
}

static void inspect(const char* dir) {
  struct stat st;
  struct statfs fs;
  if (stat(dir, &st) != 0 || statfs(dir, &fs) != 0) {
    printf("%s unreadable\n", dir);
    return;
  }
  printf("%s mode %o old_times %s used %ld entries", dir, (unsigned)(st.st_mode & 07777),
         st.st_mtime < 1000000 ? "YES" : "NO", (long)(fs.f_blocks - fs.f_bfree));
  DIR* handle = opendir(dir);
  for (struct dirent* entry; handle != NULL && (entry = readdir(handle)) != NULL;) {
    if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
      printf(" %s", entry->d_name);
  }
  printf("\n");
}

int main(int argc, char** argv) {
  if (argc > 1 && strcmp(argv[1], "inspect") == 0) {
    inspect("/box");
    inspect("/tmp");
    return 0;
  }
  if (litter("/box") != 0 || litter("/tmp") != 0 || linger("/box") != 0 || linger("/tmp") != 0) {
    perror("litter");
    return 1;
  }
  fill("/tmp");
  printf("left\n");
  return 0;
}
