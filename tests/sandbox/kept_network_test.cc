// Network namespaces kept between engines (sandbox/kept_network.h), in a directory of the
// test's own: one engine at a time holds each, one is used again only when it was left clean,
// and any other is replaced by a new namespace before it is handed out.
#include <fcntl.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/cgroup.h"
#include "sandbox/errors.h"
#include "sandbox/fs_util.h"
#include "sandbox/kept_network.h"
#include "sandbox/sandbox.h"
#include "sandbox/slots.h"
#include "tests/sandbox/sandbox_test_support.h"

using namespace codearena::sandbox;

namespace {

ino_t inode_of(int fd) {
  struct stat st;
  REQUIRE(::fstat(fd, &st) == 0);
  return st.st_ino;
}

// The namespace an engine took and dropped without release(), leaving the lock "in use".
ino_t namespace_taken_and_dropped(const KeptDir& dir) {
  auto taken = KeptNetworkNamespace::take(dir.path, 1);
  REQUIRE(taken);
  return inode_of(taken->fd());
}

// Leaves `pairs` UNIX socket pairs in `network_namespace`, open in this process in `held`.
void leave_sockets_in(int network_namespace, int pairs, std::vector<UniqueFd>& held) {
  bool made = true;
  std::thread inside([&] {
    made = ::setns(network_namespace, CLONE_NEWNET) == 0;
    for (int i = 0; made && i < pairs; ++i) {
      int pair[2];
      made = ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0;
      if (!made) return;
      held.emplace_back(pair[0]);
      held.emplace_back(pair[1]);
    }
  });
  inside.join();
  REQUIRE(made);
}

}  // namespace

TEST_CASE("kept network namespaces: one engine at a time, used again only when left clean") {
  KeptDir dir;
  auto first = KeptNetworkNamespace::take(dir.path, 2);
  REQUIRE(first);
  CHECK(dir.lock(0) == "in use\n");
  const ino_t kept = inode_of(first->fd());

  auto second = KeptNetworkNamespace::take(dir.path, 2);
  REQUIRE(second);  // The first is held: the second engine gets the next namespace.
  CHECK(inode_of(second->fd()) != kept);
  CHECK_FALSE(KeptNetworkNamespace::take(dir.path, 2));  // Both held: none.

  first->release();
  CHECK(dir.lock(0) == "clean\n");
  auto again = KeptNetworkNamespace::take(dir.path, 2);
  REQUIRE(again);
  CHECK(inode_of(again->fd()) == kept);
}

TEST_CASE("kept network namespaces: one whose engine died is replaced") {
  KeptDir dir;
  ino_t kept = 0;
  {
    auto taken = KeptNetworkNamespace::take(dir.path, 1);
    REQUIRE(taken);
    kept = inode_of(taken->fd());
  }  // Gone without release(), as an engine killed mid-call: the lock file still says in use.
  CHECK(dir.lock(0) == "in use\n");
  auto next = KeptNetworkNamespace::take(dir.path, 1);
  REQUIRE(next);
  CHECK(inode_of(next->fd()) != kept);
  // The new namespace is the one mounted at the path now.
  UniqueFd mounted(::open((dir.path + "/0").c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(mounted.valid());
  CHECK(inode_of(mounted.get()) == inode_of(next->fd()));
}

// One socket pair, and a hundred: a listing longer than the engine reads at once (a program
// can leave thousands) is read as sockets left, not cut into nothing.
TEST_CASE("kept network namespaces: one a socket outlived its run in is replaced") {
  for (const int pairs : {1, 100}) {
    INFO(pairs << " socket pairs");
    KeptDir dir;
    auto taken = KeptNetworkNamespace::take(dir.path, 1);
    REQUIRE(taken);
    const ino_t kept = inode_of(taken->fd());
    std::vector<UniqueFd> sockets;
    leave_sockets_in(taken->fd(), pairs, sockets);
    taken->release();
    CHECK(dir.lock(0) == "in use\n");
    auto next = KeptNetworkNamespace::take(dir.path, 1);
    REQUIRE(next);
    CHECK(inode_of(next->fd()) != kept);
  }
}

TEST_CASE("kept network namespaces: whatever else is at the path is replaced") {
  KeptDir dir;
  make_dirs(dir.path, 0700);
  write_text_file_create(dir.path + "/0", "not a namespace");
  write_text_file_create(dir.path + "/0.lock", "clean\n");
  auto taken = KeptNetworkNamespace::take(dir.path, 1);
  REQUIRE(taken);
  UniqueFd mounted(::open((dir.path + "/0").c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(mounted.valid());
  CHECK(inode_of(mounted.get()) == inode_of(taken->fd()));
  CHECK(dir.lock(0) == "in use\n");
}

// Proves whatever is found at a namespace's path (a FIFO, which an open would wait on for a
// writer; a directory; a symlink, whose target is left alone) is replaced without waiting,
// whichever state its lock file says.
TEST_CASE("kept network namespaces: a FIFO or a directory or a symlink at the path is replaced") {
  for (const char* state : {"clean\n", "in use\n"}) {
    for (const std::string kind : {"fifo", "directory", "symlink"}) {
      INFO(kind << ", lock file saying " << state);
      KeptDir dir;
      make_dirs(dir.path, 0700);
      const auto kept = dir.path + "/0";
      const auto target = dir.path + "/target";
      write_text_file_create(target, "left alone");
      if (kind == "fifo") REQUIRE(::mkfifo(kept.c_str(), 0600) == 0);
      if (kind == "directory") REQUIRE(::mkdir(kept.c_str(), 0700) == 0);
      if (kind == "symlink") REQUIRE(::symlink(target.c_str(), kept.c_str()) == 0);
      write_text_file_create(dir.path + "/0.lock", state);

      auto taken = KeptNetworkNamespace::take(dir.path, 1);
      REQUIRE(taken);
      UniqueFd mounted(::open(kept.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      REQUIRE(mounted.valid());
      CHECK(inode_of(mounted.get()) == inode_of(taken->fd()));
      CHECK(read_text_file(target) == "left alone");
      ::unlink(target.c_str());
    }
  }
}

// Proves engines that take and release namespaces at the same moment (threads here, each with
// its own lock file descriptors as separate engines have) never hold one namespace at once.
TEST_CASE("kept network namespaces: engines taking them at once never share one") {
  KeptDir dir;
  std::mutex guard;
  std::set<ino_t> held;
  int shared = 0;
  int taken = 0;
  std::string failure;
  auto engine = [&] {
    for (int i = 0; i < 40; ++i) {
      try {
        auto kept = KeptNetworkNamespace::take(dir.path, 3);
        if (!kept) continue;  // All three held by the others.
        struct stat st;
        if (::fstat(kept->fd(), &st) != 0) throw SandboxError("fstat a kept namespace");
        {
          std::lock_guard<std::mutex> lock(guard);
          shared += held.insert(st.st_ino).second ? 0 : 1;
          ++taken;
        }
        std::this_thread::yield();
        {
          std::lock_guard<std::mutex> lock(guard);
          held.erase(st.st_ino);
        }
        kept->release();
      } catch (const SandboxError& error) {
        std::lock_guard<std::mutex> lock(guard);
        failure = error.what();
      }
    }
  };
  std::vector<std::thread> engines;
  for (int i = 0; i < 5; ++i) engines.emplace_back(engine);
  for (auto& running : engines) running.join();
  CHECK(failure.empty());
  CHECK(shared == 0);
  CHECK(taken > 0);
}


// Proves an engine runs in the slot cgroup kept with its namespace only when the engine before
// it ended cleanly (or there was none): the keeper of an engine killed mid-call may live on for a moment with the
// kept cgroup's join files, and a process it was starting would join after the check that found
// the cgroup empty.
TEST_CASE("kept network namespaces: the slot cgroup kept with one is not used after an engine was killed") {
  KeptDir dir;
  SandboxConfig config;
  config.keepers_at_start = true;
  config.kept_network_dir = dir.path;
  config.cgroup_parent = "/codearena-kept-test-" + std::to_string(::getpid());
  auto slot_cgroup_of_an_engine = [&] {
    Sandbox engine(config);
    auto lease = engine.slots().acquire();
    return lease->cgroup().join_files().front();
  };
  const auto kept = "/" + kept_slot_cgroup_name(0) + "/";
  CHECK(slot_cgroup_of_an_engine().find(kept) != std::string::npos);  // The first engine.
  CHECK(slot_cgroup_of_an_engine().find(kept) != std::string::npos);
  write_text_file(dir.path + "/0.lock", "in use\n");  // As an engine killed mid-call leaves it.
  CHECK(slot_cgroup_of_an_engine().find(kept) == std::string::npos);
  CHECK(slot_cgroup_of_an_engine().find(kept) != std::string::npos);

  remove_kept_cgroups(config.cgroup_parent);
}

// Proves a lock file names a parked keeper only in the exact form an engine writes: any other
// text is a namespace in use, replaced, naming no keeper to adopt or kill.
TEST_CASE("kept network namespaces: a lock file in no form an engine writes is in use") {
  for (const std::string state :
       {"parked 123 456 100\n", "parked  123 456 100 789\n", "parked 123 456 100 789",
        "parked 123 456 100 789 0\n", "parked -123 456 100 789\n", "parked 123 456 -1 789\n",
        "in use 123\n", "in use -1 456\n", "in use 123 456 789\n",
        "clean\nparked 123 456 100 789\n"}) {
    INFO("lock file: " << state);
    KeptDir dir;
    const ino_t before = namespace_taken_and_dropped(dir);
    write_text_file(dir.path + "/0.lock", state);
    auto taken = KeptNetworkNamespace::take(dir.path, 1);
    REQUIRE(taken);
    CHECK_FALSE(taken->parked());
    CHECK_FALSE(taken->left_in_use());
    CHECK_FALSE(taken->no_keeper_left());
    CHECK(inode_of(taken->fd()) != before);
  }
}

TEST_CASE("kept network namespaces: a lock file naming a parked keeper keeps the namespace") {
  KeptDir dir;
  const ino_t before = namespace_taken_and_dropped(dir);
  write_text_file(dir.path + "/0.lock", "parked 123 456 100 789\n");
  auto taken = KeptNetworkNamespace::take(dir.path, 1);
  REQUIRE(taken);
  REQUIRE(taken->parked());
  CHECK(taken->parked()->keeper.pid == 123);
  CHECK(taken->parked()->keeper.start_ticks == 456);
  CHECK(taken->parked()->engine_end == 100);
  CHECK(taken->parked()->setup_digest == 789);
  CHECK(taken->no_keeper_left());  // The taker adopts or kills the parked keeper.
  CHECK(inode_of(taken->fd()) == before);
  // Named for the next engine, should this one be killed.
  CHECK(dir.lock(0) == "in use 123 456\n");
}
