// Attacks: the files the engine collects from /box after a run (such as "*.class"). argv[1]:
//   many COUNT LENGTH - COUNT empty files with names LENGTH bytes long ending in ".class";
//   links COUNT MIB   - one file of MIB MiB and COUNT - 1 hard links to it, all "*.class";
//   odd               - "*.class" entries that are no regular file of their own: a FIFO, a
//                       symlink, a directory, a socket, an 8 MiB sparse file; plus "ok.class"
//                       holding "fine" and "new\nline.class" holding "odd name".
// Exits 0 once everything is in place.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int write_file(const char* name, const char* content) {
  const int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return -1;
  const ssize_t length = (ssize_t)strlen(content);
  const int ok = write(fd, content, length) == length;
  close(fd);
  return ok ? 0 : -1;
}

static int many(long count, long length) {
  char name[256];
  for (long i = 0; i < count; ++i) {
    const int prefix = snprintf(name, sizeof name, "%06ld", i);
    memset(name + prefix, 'x', (size_t)(length - prefix - 6));
    strcpy(name + length - 6, ".class");
    if (write_file(name, "") != 0) return 1;
  }
  return 0;
}

static int links(long count, long mib) {
  const int fd = open("a0.class", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 1;
  static char block[1 << 20];
  memset(block, 'a', sizeof block);
  for (long i = 0; i < mib; ++i) {
    if (write(fd, block, sizeof block) != (ssize_t)sizeof block) return 1;
  }
  close(fd);
  char name[64];
  for (long i = 1; i < count; ++i) {
    snprintf(name, sizeof name, "a%ld.class", i);
    if (link("a0.class", name) != 0) return 1;
  }
  return 0;
}

static int odd(void) {
  if (mkfifo("fifo.class", 0644) != 0) return 1;
  if (write_file("target.txt", "secret") != 0 || symlink("target.txt", "link.class") != 0) return 1;
  if (symlink("/proc/self/environ", "environ.class") != 0) return 1;
  if (mkdir("dir.class", 0755) != 0) return 1;
  const int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  strcpy(address.sun_path, "sock.class");
  if (sock < 0 || bind(sock, (struct sockaddr*)&address, sizeof address) != 0) return 1;
  const int sparse = open("sparse.class", O_WRONLY | O_CREAT, 0644);
  if (sparse < 0 || ftruncate(sparse, 8L << 20) != 0) return 1;
  if (write_file("ok.class", "fine") != 0) return 1;
  if (write_file("new\nline.class", "odd name") != 0) return 1;
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 4 && strcmp(argv[1], "many") == 0) return many(atol(argv[2]), atol(argv[3]));
  if (argc >= 4 && strcmp(argv[1], "links") == 0) return links(atol(argv[2]), atol(argv[3]));
  if (argc >= 2 && strcmp(argv[1], "odd") == 0) return odd();
  return 2;
}
