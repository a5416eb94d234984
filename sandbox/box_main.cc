// codearena-box: the per-slot box keeper executable (see box_keeper.h). Started by the engine
// only, with its control socket as the descriptor named by argv[1].
#include <cstdio>
#include <cstdlib>

#include "sandbox/box_keeper.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "codearena-box is started by codearena itself, not by hand\n");
    return 2;
  }
  return codearena::sandbox::box_keeper_main(std::atoi(argv[1]));
}
