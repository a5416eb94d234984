/* What codearena-bench-spawner answers for each run (tools/bench/spawner.c); read by the bench
 * (tools/bench/process.h). Both ends are built together, so the layout is simply the struct's. */
#pragma once

#include <stdint.h>

struct spawner_result {
  int64_t elapsed_ns; /* From before posix_spawn to the end of waitpid. */
  int32_t wait_status;
  uint32_t out_size; /* Bytes of stdout, then of stderr, that follow the struct. */
  uint32_t err_size;
};
