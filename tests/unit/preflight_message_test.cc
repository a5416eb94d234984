// The message of a kernel facility the sandbox lacks: the facility, the error, what grants it
// and where the docs explain it.
#include <catch2/catch.hpp>

#include "sandbox/preflight.h"

using codearena::sandbox::missing_facility;

TEST_CASE("a missing facility is named with its error, its grant and the docs",
          "[sandbox][preflight]") {
  CHECK(missing_facility("create a mount namespace", "Operation not permitted",
                         "the process needs CAP_SYS_ADMIN") ==
        "cannot create a mount namespace: Operation not permitted (the process needs "
        "CAP_SYS_ADMIN; see docs/sandbox.md#privileges)");
}
