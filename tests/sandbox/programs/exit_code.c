// Produces: an exit with the code given as argv[1] (a runtime error when non-zero).
#include <stdlib.h>

int main(int argc, char** argv) {
  return argc > 1 ? atoi(argv[1]) : 3;
}
