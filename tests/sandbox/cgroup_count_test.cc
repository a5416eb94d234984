// Whether a slot cgroup holds processes, in the real hierarchies of this machine, is answered
// for the moment of asking: the engine trusts it to say a run is over (the v2 reading of a kept-
// open file is tested on a fake tree in tests/unit/cgroup_v2_test.cc, and the kernel's side of
// it on a cgroup2 mount of this process's own below).
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "sandbox/cgroup.h"
#include "sandbox/fs_util.h"

using namespace codearena::sandbox;

namespace {

// A child process that waits until the returned descriptor is closed, then exits.
pid_t start_waiting_child(int& release_fd) {
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
  release_fd = release[1];
  return child;
}

size_t lines_in(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

// Proves that a process which joins a slot after a check found none is seen at once, and no
// longer once it is gone: v1 serves a cached process list to a reader that keeps cgroup.procs
// open, so the check must not rest on one (v1 reads the pids controller's kept-open count).
TEST_CASE("a slot cgroup holds a process from its join until it is gone") {
  auto backend = make_cgroup_backend(detect_cgroups("codearena", ""));
  const auto name = slot_cgroup_name(90);
  auto slot = backend->create_slot(name);
  REQUIRE(!slot->holds_processes());

  int release = -1;
  const pid_t child = start_waiting_child(release);
  for (const auto& join : slot->join_files()) write_text_file(join, std::to_string(child));
  CHECK(slot->holds_processes());

  ::close(release);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  CHECK(!slot->holds_processes());
  backend->remove_slot(name);
}

// Proves what the v2 count rests on, on the kernel itself: a cgroup2 cgroup.procs kept open and
// read again from offset 0 lists the processes of that moment, a process that joined after the
// first read as one that left (v1 would serve its cached list). The cgroup2 hierarchy is mounted
// in a mount namespace of this test's own, which every machine with cgroups allows.
TEST_CASE("a kept-open cgroup2 cgroup.procs read from offset 0 is current") {
  REQUIRE(::unshare(CLONE_NEWNS) == 0);
  REQUIRE(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
  char mount_point[] = "/tmp/codearena-cgroup2-XXXXXX";
  REQUIRE(::mkdtemp(mount_point) != nullptr);
  REQUIRE(::mount("cgroup2", mount_point, "cgroup2", 0, nullptr) == 0);
  const std::string dir =
      std::string(mount_point) + "/codearena-count-test-" + std::to_string(::getpid());
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  const std::string procs = dir + "/cgroup.procs";
  UniqueFd kept(::open(procs.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(kept.valid());
  CHECK(lines_in(pread_text(kept.get(), procs)) == 0);

  int release = -1;
  const pid_t child = start_waiting_child(release);
  write_text_file(procs, std::to_string(child));
  CHECK(pread_text(kept.get(), procs) == std::to_string(child) + "\n");

  ::close(release);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  CHECK(lines_in(pread_text(kept.get(), procs)) == 0);
  kept.reset();
  CHECK(::rmdir(dir.c_str()) == 0);
  CHECK(::umount2(mount_point, 0) == 0);
  CHECK(::rmdir(mount_point) == 0);
}
