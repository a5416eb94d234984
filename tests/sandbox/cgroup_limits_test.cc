// The limits in the slot's cgroup files are those of the run at hand, whatever the slot ran
// before: a judge compiles with one CPU quota and memory limit and runs with others on the same
// slot (a C++ compile on 1 core, then a Java compile on 2).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>

#include "sandbox/cgroup.h"
#include "tests/sandbox/sandbox_test_support.h"

using codearena::sandbox::CgroupLocation;
using codearena::sandbox::detect_cgroups;

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
  // On v1 the keeper's thread that starts the runs sits in the slot and counts against pids.max.
  const auto v1_pids = std::to_string(std::stoll(pids) + 1);
  return "cpu.max " + quota + "\nperiod 100000\nmemory.max " + memory + "\npids.max " + v1_pids +
         "\n";
}

RunResult run_with(double cores, int64_t memory_bytes, int64_t pids) {
  RunRequest request = program_request("exit_code", {"0"});
  request.limits.cpu_cores = cores;
  request.limits.memory_bytes = memory_bytes;
  request.limits.pids = pids;
  return engine().run(request);
}

}  // namespace

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
