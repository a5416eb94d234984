// Attacks: the read-only root. Tries to create file argv[1] in every directory outside /box and
// /tmp, and to open existing system files for writing (without writing anything). Prints
// "WROTE PATH" / "OPENED PATH" for each success and "PATH: error" otherwise; always exits 0.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char* const kDirs[] = {"",     "/usr", "/usr/bin", "/etc", "/dev",  "/proc", "/bin",
                                    "/lib", "/sys", "/run",     "/var", "/root", "/home"};
static const char* const kExisting[] = {"/etc/passwd", "/usr/bin/env", "/dev/null",
                                        "/proc/sys/kernel/hostname", "/proc/sysrq-trigger"};

int main(int argc, char** argv) {
  const char* name = argc > 1 ? argv[1] : "codearena-escape";
  for (size_t i = 0; i < sizeof kDirs / sizeof kDirs[0]; ++i) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", kDirs[i], name);
    const int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) {
      printf("WROTE %s\n", path);
      close(fd);
    } else {
      printf("%s: %s\n", path, strerror(errno));
    }
    if (mkdir(path, 0755) == 0) printf("WROTE %s/ (directory)\n", path);
  }
  for (size_t i = 0; i < sizeof kExisting / sizeof kExisting[0]; ++i) {
    // /dev/null is the one file that may legitimately be opened for writing.
    const int fd = open(kExisting[i], O_WRONLY);
    if (fd >= 0 && strcmp(kExisting[i], "/dev/null") != 0) {
      printf("OPENED %s\n", kExisting[i]);
    } else if (fd < 0) {
      printf("%s: %s\n", kExisting[i], strerror(errno));
    }
    if (fd >= 0) close(fd);
  }
  return 0;
}
