// Attacks: the filter through another system-call ABI, which has other call numbers:
//   x32  - getpid with the x32 bit (0x40000000) set;
//   i386 - getpid (20) through int $0x80.
// Prints the result if the call comes back; always exits 0.
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long result = -1;
  if (argc > 1 && strcmp(argv[1], "i386") == 0) {
    long number = 20;
    __asm__ volatile("int $0x80" : "+a"(number) : : "memory");
    result = number;
  } else {
    result = syscall(0x40000000 | SYS_getpid);
  }
  printf("returned %ld\n", result);
  return 0;
}
