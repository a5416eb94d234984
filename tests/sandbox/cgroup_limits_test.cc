// The limits in the slot's cgroup files are those of the run at hand, whatever the slot ran
// before: a judge compiles with one CPU quota and memory limit and runs with others on the same
// slot (a C++ compile on 1 core, then a Java compile on 2).
#include <dirent.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "sandbox/cancel.h"
#include "sandbox/cgroup.h"
#include "tests/sandbox/sandbox_test_support.h"

using codearena::sandbox::CancelToken;
using codearena::sandbox::CgroupLocation;
using codearena::sandbox::detect_cgroups;
using codearena::sandbox::slot_cgroup_name;

namespace {

// What the kernel holds for this engine's slot 0, one line per limit, in cgroup v2 terms.
std::string slot_limits(const CgroupLocation& location) {
  const auto slot = "/" + std::to_string(::getpid()) + "-0/";
  if (!location.v2_parent.empty()) {
    const auto dir = location.v2_parent + slot;
    return "cpu.max " + read_host_file(dir + "cpu.max") + "memory.max " +
           read_host_file(dir + "memory.max") + "pids.max " + read_host_file(dir + "pids.max");
  }
  const auto& parents = location.v1_parents;
  return "cpu.max " + read_host_file(parents.at("cpu") + slot + "cpu.cfs_quota_us") + "period " +
         read_host_file(parents.at("cpu") + slot + "cpu.cfs_period_us") + "memory.max " +
         read_host_file(parents.at("memory") + slot + "memory.limit_in_bytes") + "pids.max " +
         read_host_file(parents.at("pids") + slot + "pids.max");
}

std::string expected_limits(const CgroupLocation& location, const std::string& quota,
                            const std::string& memory, const std::string& pids) {
  if (!location.v2_parent.empty()) {
    return "cpu.max " + quota + " 100000\nmemory.max " + memory + "\npids.max " + pids + "\n";
  }
  return "cpu.max " + quota + "\nperiod 100000\nmemory.max " + memory + "\npids.max " + pids + "\n";
}

RunResult run_with(double cores, int64_t memory_bytes, int64_t pids) {
  RunRequest request = program_request("exit_code", {"0"});
  request.limits.cpu_cores = cores;
  request.limits.memory_bytes = memory_bytes;
  request.limits.pids = pids;
  return engine().run(request);
}

// The numbers listed one per line in a host file (a cgroup's tasks, a directory's entries).
std::set<pid_t> numbers_in(const std::string& text) {
  std::set<pid_t> numbers;
  std::istringstream lines(text);
  for (pid_t number; lines >> number;) numbers.insert(number);
  return numbers;
}

std::set<pid_t> threads_of(pid_t pid) {
  std::set<pid_t> threads;
  DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (dir == nullptr) return threads;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') threads.insert(std::stoi(entry->d_name));
  }
  ::closedir(dir);
  return threads;
}

}  // namespace

// Proves, on cgroup v1, that a run's process joins every hierarchy of the slot through the
// `tasks` files while no thread of the keeper does: the keeper's work between runs (copying
// files, replacing the box) is not counted as the run's.
TEST_CASE("cgroup v1: a run sits in each of the slot's cgroups, its keeper in none") {
  const auto location = detect_cgroups("codearena", "");
  if (location.v1_parents.empty()) {
    WARN("cgroup v2 here: runs move themselves into the slot, nothing to check");
    return;
  }
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("sleep", {"30"});
  request.limits.wall_ms = 20'000;
  request.cancel_token = std::make_shared<CancelToken>();
  auto run = std::async(std::launch::async, [&] { return lease->run(request); });
  const auto slot = "/" + slot_cgroup_name(lease->index()) + "/";
  const auto tasks_of = [&](const char* controller) {
    return numbers_in(read_host_file(location.v1_parents.at(controller) + slot + "tasks"));
  };
  const auto runs_program = [](const std::set<pid_t>& tasks) {
    for (const pid_t task : tasks) {
      if (read_host_file("/proc/" + std::to_string(task) + "/comm") == "sleep\n") return true;
    }
    return false;
  };
  // Until the program has been executed, its process still bears the keeper's name.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!runs_program(tasks_of("memory")) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const auto keepers = keeper_pids();
  for (const char* controller : {"memory", "pids", "cpu", "cpuacct"}) {
    const auto tasks = tasks_of(controller);
    INFO(controller << " tasks: " << tasks.size());
    size_t keeper_threads = 0;
    for (const pid_t keeper : keepers) {
      for (const pid_t thread : threads_of(keeper)) keeper_threads += tasks.count(thread);
    }
    CHECK(keeper_threads == 0);
    CHECK(runs_program(tasks));
  }
  request.cancel_token->cancel();
  const RunResult result = run.get();
  INFO(describe(result));
  CHECK(result.status == RunStatus::kCancelled);
  expect_clean_slot(lease);
}

// Proves a run's CPU quota, memory limit and process limit replace those of the run before it
// on the same slot, in both directions, so no step inherits another's limits.
TEST_CASE("a run on a slot gets its own CPU quota and memory and process limits") {
  engine();
  const auto location = detect_cgroups("codearena", "");

  const RunResult compile_like = run_with(1, 768LL << 20, 32);
  INFO(describe(compile_like));
  REQUIRE(compile_like.status == RunStatus::kOk);
  CHECK(slot_limits(location) == expected_limits(location, "100000", "805306368", "32"));

  const RunResult two_cores = run_with(2, 256LL << 20, 64);
  INFO(describe(two_cores));
  REQUIRE(two_cores.status == RunStatus::kOk);
  CHECK(slot_limits(location) == expected_limits(location, "200000", "268435456", "64"));

  const RunResult back = run_with(0.5, 128LL << 20, 16);
  INFO(describe(back));
  REQUIRE(back.status == RunStatus::kOk);
  CHECK(slot_limits(location) == expected_limits(location, "50000", "134217728", "16"));
}
