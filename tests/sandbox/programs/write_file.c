// Produces: file argv[1] in the working directory holding argv[2] repeated argv[3] times.
// Used for collected files and, with a large count, to cross RLIMIT_FSIZE.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  if (argc < 4) return 2;
  FILE* file = fopen(argv[1], "w");
  if (file == NULL) {
    perror(argv[1]);
    return 1;
  }
  const long count = atol(argv[3]);
  for (long i = 0; i < count; ++i) {
    if (fputs(argv[2], file) < 0) {
      perror("write");
      return 1;
    }
  }
  if (fclose(file) != 0) {
    perror("close");
    return 1;
  }
  printf("wrote %ld\n", count * (long)strlen(argv[2]));
  return 0;
}
