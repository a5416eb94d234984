// The count of a slot cgroup's processes, in the real hierarchies of this machine, is the count
// at the moment of asking: the engine trusts it to say a run is over (the v2 reading of a kept-
// open file is tested on a fake tree in tests/unit/cgroup_v2_test.cc).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "sandbox/cgroup.h"
#include "sandbox/fs_util.h"

using namespace codearena::sandbox;

// Proves that a process which joins a slot after a count found none is counted at once, and no
// longer once it is gone: v1 serves a cached process list to a reader that keeps the file open.
TEST_CASE("a slot cgroup's process count follows processes joining and leaving at once") {
  auto backend = make_cgroup_backend(detect_cgroups("codearena", ""));
  const auto name = slot_cgroup_name(90);
  auto slot = backend->create_slot(name);
  REQUIRE(slot->process_count() == 0);

  int release[2];
  REQUIRE(::pipe(release) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    char byte;
    ::close(release[1]);
    ::_exit(::read(release[0], &byte, 1) == 0 ? 0 : 1);
  }
  ::close(release[0]);
  for (const auto& join : slot->join_files()) write_text_file(join, std::to_string(child));
  CHECK(slot->process_count() > 0);

  ::close(release[1]);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  CHECK(slot->process_count() == 0);
  backend->remove_slot(name);
}
