// Produces: a run that sleeps argv[1] seconds without using CPU (wall-clock limit target).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char** argv) {
  struct timespec duration = {argc > 1 ? atol(argv[1]) : 10, 0};
  while (nanosleep(&duration, &duration) != 0) {
  }
  printf("woke up\n");
  return 0;
}
