// The start-up cleanup of slot cgroups left by engines killed hard, in the real hierarchies of
// this machine (the v2 backend's is tested on a fake tree in tests/unit/cgroup_v2_test.cc).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "sandbox/cgroup.h"
#include "sandbox/errors.h"
#include "sandbox/fs_util.h"
#include "tests/sandbox/sandbox_test_support.h"

using codearena::sandbox::CgroupLocation;
using codearena::sandbox::detect_cgroups;
using codearena::sandbox::path_exists;
using codearena::sandbox::SandboxConfig;
using codearena::sandbox::write_text_file;

namespace {

// Every directory slot cgroups are created under, one per hierarchy (v1 controllers may share).
std::set<std::string> slot_parents(const CgroupLocation& location) {
  if (!location.v2_parent.empty()) return {location.v2_parent};
  std::set<std::string> parents;
  for (const auto& [controller, parent] : location.v1_parents) parents.insert(parent);
  return parents;
}

// Starts an engine with one slot in a child process and kills it with SIGKILL once its slot
// cgroups exist; returns its pid. With `memory_cgroup`, a v1 memory cgroup directory, the child
// moves there first, as an engine started from another login session (systemd scope) does.
pid_t start_and_kill_engine(const std::string& memory_cgroup = "") {
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    try {
      if (!memory_cgroup.empty()) write_text_file(memory_cgroup + "/cgroup.procs", "0");
      Sandbox sandbox{SandboxConfig{}};
      if (::write(ready[1], "r", 1) != 1) ::_exit(1);
      ::pause();
    } catch (const std::exception&) {
    }
    ::_exit(1);
  }
  ::close(ready[1]);
  char byte = 0;
  const bool started = ::read(ready[0], &byte, 1) == 1;
  ::close(ready[0]);
  ::kill(child, SIGKILL);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  REQUIRE(started);
  return child;
}

std::string slot_of(pid_t engine) {
  return std::to_string(engine) + "-0";
}

}  // namespace

// Proves the slot cgroups a hard-killed engine leaves in each hierarchy are gone once the next
// engine has started, and the new engine has its own in each.
TEST_CASE("a new engine removes a hard-killed engine's slot cgroups in every hierarchy") {
  const auto parents = slot_parents(detect_cgroups("codearena", ""));
  const pid_t killed = start_and_kill_engine();
  for (const auto& parent : parents) REQUIRE(path_exists(parent + "/" + slot_of(killed)));

  engine();
  for (const auto& parent : parents) {
    INFO(parent);
    CHECK_FALSE(path_exists(parent + "/" + slot_of(killed)));
    CHECK(path_exists(parent + "/" + slot_of(::getpid())));
  }
}

// Proves that on cgroup v1 the slots of an engine that ran in another memory cgroup (so its
// memory slot cgroups are elsewhere) are removed from the pids, cpu and cpuacct hierarchies,
// which every engine of the machine shares.
TEST_CASE("a new engine removes slot cgroups left outside the memory hierarchy (v1)") {
  const auto location = detect_cgroups("codearena", "");
  if (location.v1_parents.empty()) {
    WARN("cgroup v2: one tree, covered by the test above");
    return;
  }
  const auto memory_parent = location.v1_parents.at("memory");
  const auto elsewhere =
      memory_parent.substr(0, memory_parent.rfind('/')) + "/codearena-test-" +
      std::to_string(::getpid());
  REQUIRE(::mkdir(elsewhere.c_str(), 0755) == 0);
  const pid_t killed = start_and_kill_engine(elsewhere);
  const auto stale = slot_of(killed);
  const auto stale_memory = elsewhere + "/codearena/" + stale;
  REQUIRE(path_exists(stale_memory));
  REQUIRE_FALSE(path_exists(memory_parent + "/" + stale));
  for (const char* controller : {"pids", "cpu", "cpuacct"})
    REQUIRE(path_exists(location.v1_parents.at(controller) + "/" + stale));

  engine();
  for (const char* controller : {"pids", "cpu", "cpuacct"}) {
    INFO(controller);
    CHECK_FALSE(path_exists(location.v1_parents.at(controller) + "/" + stale));
  }
  // The memory side belongs to the other cgroup, whose own engines clean it; here the test does.
  ::rmdir(stale_memory.c_str());
  ::rmdir((elsewhere + "/codearena").c_str());
  CHECK(::rmdir(elsewhere.c_str()) == 0);
}
