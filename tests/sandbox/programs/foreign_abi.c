// Attacks: the filter through another system-call ABI, which has other call numbers. Writes
// "ran" to stdout through
//   x32  - write with the x32 bit (0x40000000) set;
//   i386 - write (4) through int $0x80, from a buffer below 4 GiB.
// If the call ran, "ran" is on stdout whatever happens next; then prints what it returned.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  char* text = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                    -1, 0);
  if (text == MAP_FAILED) return 2;
  memcpy(text, "ran\n", 4);
  long result = -1;
  if (argc > 1 && strcmp(argv[1], "i386") == 0) {
    long number = 4;
    __asm__ volatile("int $0x80"
                     : "+a"(number)
                     : "b"(1L), "c"(text), "d"(4L)
                     : "memory");
    result = number;
  } else {
    result = syscall(0x40000000 | SYS_write, 1, text, 4);
  }
  printf("returned %ld\n", result);
  return 0;
}
