/* Tries to read host files (a fixed list plus one path per line of stdin) and prints what it
   got: "<path> ERR <reason>" or "<path> READ <content>", then its whole environment. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

extern char** environ;

static void try_read(const char* path) {
  FILE* file = fopen(path, "rb");
  if (file == NULL) {
    printf("%s ERR %s\n", path, strerror(errno));
    return;
  }
  char buffer[65536];
  const size_t size = fread(buffer, 1, sizeof buffer, file);
  const int failed = ferror(file);
  fclose(file);
  if (failed) {
    printf("%s ERR read failed\n", path);
    return;
  }
  for (size_t i = 0; i < size; ++i)
    if (buffer[i] == '\0') buffer[i] = ' ';
  printf("%s READ %.*s\n", path, (int)size, buffer);
}

int main(void) {
  const char* paths[] = {"/etc/shadow",
                         "/etc/gshadow",
                         "/proc/1/environ",
                         "/proc/1/cmdline",
                         "/proc/1/root/etc/shadow",
                         "/root/.bash_history",
                         "/etc/passwd",
                         "/proc/self/environ"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; ++i) try_read(paths[i]);
  char extra[4096];
  while (scanf("%4095s", extra) == 1) try_read(extra);
  printf("ENV");
  for (char** entry = environ; *entry != NULL; ++entry) printf(" %s", *entry);
  printf("\n");
  return 0;
}
