// Attacks: the memory limit. Allocates and touches argv[2] MiB through argv[1]:
//   heap  - 1 MiB malloc chunks, each filled;
//   mmap  - one anonymous mapping, every page written;
//   stack - recursion with a 16 KiB frame until that much stack is in use.
// Prints "allocated N MiB" when it survives, then exits with argv[3] (0 when not given).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MIB (1024L * 1024L)
#define FRAME (16 * 1024)

__attribute__((noinline)) static long recurse(long depth) {
  volatile char frame[FRAME];
  memset((char*)frame, (int)depth, sizeof frame);
  if (depth <= 1) return frame[0];
  return recurse(depth - 1) + frame[FRAME - 1];
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "heap";
  const long mib = argc > 2 ? atol(argv[2]) : 100;
  if (strcmp(mode, "heap") == 0) {
    for (long i = 0; i < mib; ++i) {
      char* chunk = malloc(MIB);
      if (chunk == NULL) return 2;
      memset(chunk, 1, MIB);
    }
  } else if (strcmp(mode, "mmap") == 0) {
    char* area = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) return 2;
    for (long offset = 0; offset < mib * MIB; offset += 4096) area[offset] = 1;
  } else if (strcmp(mode, "stack") == 0) {
    if (recurse(mib * MIB / FRAME) == 12345) printf("unlikely\n");
  } else {
    return 2;
  }
  printf("allocated %ld MiB\n", mib);
  return argc > 3 ? atoi(argv[3]) : 0;
}
