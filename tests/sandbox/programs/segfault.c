// Produces: death by SIGSEGV (a write through a null pointer).
#include <stdio.h>

int main(void) {
  volatile int* volatile nowhere = NULL;
  *nowhere = 42;
  printf("still alive\n");
  return 0;
}
