// Attacks: collection of output files. Plants something that is not a regular file in /box:
//   symlink NAME TARGET - NAME is a symbolic link to TARGET (a host path such as /etc/passwd);
//   fifo NAME           - NAME is a named pipe (opening it for reading could block).
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  int result = -1;
  if (strcmp(argv[1], "symlink") == 0 && argc > 3) result = symlink(argv[3], argv[2]);
  if (strcmp(argv[1], "fifo") == 0) result = mkfifo(argv[2], 0666);
  if (result != 0) {
    perror(argv[2]);
    return 1;
  }
  printf("planted %s\n", argv[2]);
  return 0;
}
