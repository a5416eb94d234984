// Whether a slot cgroup holds processes, in the real hierarchies of this machine, is answered
// for the moment of asking: the engine trusts it to say a run is over (the v2 reading of a kept-
// open file is tested on a fake tree in tests/unit/cgroup_v2_test.cc, and the kernel's side of
// it on a cgroup2 mount of this process's own below).
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <memory>
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

// A child that joins the slot through `joins` as a keeper's child does (before it has a second
// thread), starts a thread that waits until the returned descriptor is closed, and ends its main
// thread at once: a zombie leader with one live thread.
pid_t start_child_outliving_its_leader(const std::vector<std::string>& joins, int& release_fd) {
  int release[2];
  int joined[2];
  REQUIRE(::pipe(release) == 0);
  REQUIRE(::pipe(joined) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(release[1]);
    for (const auto& join : joins) {
      const int fd = ::open(join.c_str(), O_WRONLY);
      if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(1);
      ::close(fd);
    }
    static int wait_on;
    wait_on = release[0];
    pthread_t thread;
    auto wait_for_release = [](void*) -> void* {
      char byte;
      while (::read(wait_on, &byte, 1) > 0) {
      }
      return nullptr;
    };
    if (::pthread_create(&thread, nullptr, wait_for_release, nullptr) != 0) ::_exit(1);
    if (::write(joined[1], "j", 1) != 1) ::_exit(1);
    ::syscall(SYS_exit, 0);  // The main thread alone.
  }
  ::close(release[0]);
  ::close(joined[1]);
  char byte;
  REQUIRE(::read(joined[0], &byte, 1) == 1);
  ::close(joined[0]);
  release_fd = release[1];
  return child;
}

// The state letter of `pid` in /proc/<pid>/stat ('Z' for a zombie).
char state_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto end_of_name = line.rfind(')');
  return end_of_name == std::string::npos || end_of_name + 2 >= line.size() ? '?'
                                                                             : line[end_of_name + 2];
}

// The file `name` of a slot's pids controller, beside its pids (v1) or only (v2) join file.
std::string pids_file(const SlotCgroup& slot, const std::string& name) {
  std::string join = slot.join_files().front();
  for (const auto& file : slot.join_files())
    if (file.find("/pids/") != std::string::npos) join = file;
  return join.substr(0, join.rfind('/')) + "/" + name;
}

// A slot cgroup of the real hierarchies, removed at the end of the test.
struct TestSlot {
  explicit TestSlot(int index)
      : backend(make_cgroup_backend(detect_cgroups("codearena", ""))),
        name(slot_cgroup_name(index)),
        slot(backend->create_slot(name)) {}
  ~TestSlot() { backend->remove_slot(name); }

  void join(pid_t pid) const {
    for (const auto& join : slot->join_files()) write_text_file(join, std::to_string(pid));
  }
  // Lets the waiting child go and reaps it.
  static void end(int release, pid_t child) {
    ::close(release);
    REQUIRE(::waitpid(child, nullptr, 0) == child);
  }

  std::unique_ptr<CgroupBackend> backend;
  std::string name;
  std::unique_ptr<SlotCgroup> slot;
};

size_t lines_in(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

// Proves that a process which joins a slot after a check found none is seen at once, and no
// longer once it is gone: v1 serves a cached process list to a reader that keeps cgroup.procs
// open, so the check must not rest on one (v1 reads the pids controller's kept-open count).
TEST_CASE("a slot cgroup holds a process from its join until it is gone") {
  TestSlot test(90);
  REQUIRE(!test.slot->holds_processes());

  int release = -1;
  const pid_t child = start_waiting_child(release);
  test.join(child);
  CHECK(test.slot->holds_processes());

  TestSlot::end(release, child);
  CHECK(!test.slot->holds_processes());
}

// Proves the slot holds a process for as long as any of its threads lives and then until it is
// reaped: a leader that exited before its thread, then a zombie. The engine's check that a run
// is over rests on it (on v1 it is the pids hierarchy's count, which drops at the reaping).
TEST_CASE("a slot cgroup holds a process whose leader exited first, and its zombie") {
  TestSlot test(91);
  int release = -1;
  const pid_t child = start_child_outliving_its_leader(test.slot->join_files(), release);
  for (int i = 0; i < 10'000 && state_of(child) != 'Z'; ++i) ::usleep(1000);
  REQUIRE(state_of(child) == 'Z');
  CHECK(test.slot->holds_processes());  // Its one thread.

  ::close(release);
  siginfo_t ended{};
  REQUIRE(::waitid(P_PID, child, &ended, WEXITED | WNOWAIT) == 0);
  CHECK(test.slot->holds_processes());  // Gone but not yet reaped.
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  CHECK(!test.slot->holds_processes());
}

// Proves a join to a slot whose pids limit is reached still succeeds and is counted: a run's
// process cannot end up in the slot's other hierarchies and not in the pids one because its
// pids join was refused.
TEST_CASE("a slot cgroup counts a process that joined past its pids limit") {
  TestSlot test(92);
  write_text_file(pids_file(*test.slot, "pids.max"), "1");
  int release[2] = {-1, -1};
  pid_t children[2];
  for (int i = 0; i < 2; ++i) {
    children[i] = start_waiting_child(release[i]);
    test.join(children[i]);
  }
  CHECK(read_text_file(pids_file(*test.slot, "pids.current")) == "2\n");
  CHECK(test.slot->holds_processes());
  // The second child holds the first one's release pipe too: it goes first.
  for (int i = 1; i >= 0; --i) TestSlot::end(release[i], children[i]);
  CHECK(!test.slot->holds_processes());
}

// Proves the shared memory a slot's process left in a tmpfs file is counted after the process
// is gone, until the file is freed: a kept slot cgroup is handed to a call only with none (the
// last call's box may still be charged there, and no reclaim frees it).
TEST_CASE("a slot cgroup counts the tmpfs files its processes left until they are freed") {
  TestSlot test(93);
  const std::string file = "/dev/shm/codearena-shmem-test-" + std::to_string(::getpid());
  REQUIRE(test.slot->shared_memory_bytes() == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    static char chunk[1 << 20];
    std::fill(std::begin(chunk), std::end(chunk), 'm');
    for (const auto& join : test.slot->join_files()) {
      const int fd = ::open(join.c_str(), O_WRONLY);
      if (fd < 0 || ::write(fd, "0", 1) != 1) ::_exit(1);
      ::close(fd);
    }
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    for (int i = 0; fd >= 0 && i < 4; ++i)
      if (::write(fd, chunk, sizeof chunk) != static_cast<ssize_t>(sizeof chunk)) ::_exit(1);
    ::_exit(fd >= 0 ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(status == 0);
  CHECK(!test.slot->holds_processes());
  CHECK(test.slot->shared_memory_bytes() >= (4 << 20));
  REQUIRE(::unlink(file.c_str()) == 0);
  CHECK(test.slot->shared_memory_bytes() == 0);
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
