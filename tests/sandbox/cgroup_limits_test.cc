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

// The entries of a host directory whose names are numbers (/proc, /proc/PID/task).
std::set<pid_t> numbered_entries(const std::string& path) {
  std::set<pid_t> numbers;
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return numbers;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9')
      numbers.insert(std::stoi(entry->d_name));
  }
  ::closedir(dir);
  return numbers;
}

std::set<pid_t> threads_of(pid_t pid) {
  return numbered_entries("/proc/" + std::to_string(pid) + "/task");
}

// A run on a slot of cgroup v1, in the background until the test cancels it, and the tasks of
// each of the slot's hierarchies while it runs.
class BackgroundV1Run {
 public:
  BackgroundV1Run(const CgroupLocation& location, RunRequest request)
      : location_(location), lease_(engine().slots().acquire()), request_(std::move(request)) {
    request_.limits.wall_ms = 20'000;
    request_.cancel_token = std::make_shared<CancelToken>();
    run_ = std::async(std::launch::async, [this] { return lease_->run(request_); });
  }

  std::set<pid_t> tasks_of(const char* controller) const {
    const auto slot = "/" + slot_cgroup_name(lease_->index()) + "/";
    return numbers_in(read_host_file(location_.v1_parents.at(controller) + slot + "tasks"));
  }

  // Cancels the run, checks it ended so, and that the slot is clean after it.
  void cancel_and_check() {
    request_.cancel_token->cancel();
    const RunResult result = run_.get();
    INFO(describe(result));
    CHECK(result.status == RunStatus::kCancelled);
    expect_clean_slot(lease_);
  }

 private:
  const CgroupLocation& location_;
  SlotPool::Lease lease_;
  RunRequest request_;
  std::future<RunResult> run_;
};

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
  BackgroundV1Run run(location, program_request("sleep", {"30"}));
  const auto tasks_of = [&](const char* controller) { return run.tasks_of(controller); };
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
  run.cancel_and_check();
}

// The processes in the PID namespace of `keeper` but the keeper itself, seen from the host:
// those of its run.
std::set<pid_t> run_processes(pid_t keeper) {
  const auto namespace_of = [](pid_t pid) {
    char target[64] = {};
    const auto link = "/proc/" + std::to_string(pid) + "/ns/pid";
    return ::readlink(link.c_str(), target, sizeof target - 1) > 0 ? std::string(target) : "";
  };
  const auto run_namespace = namespace_of(keeper);
  std::set<pid_t> processes;
  for (const pid_t pid : numbered_entries("/proc")) {
    if (pid != keeper && namespace_of(pid) == run_namespace) processes.insert(pid);
  }
  return processes;
}

// The threads of `processes` but zombies', which left their cgroups as they exited.
std::set<pid_t> live_threads(const std::set<pid_t>& processes) {
  std::set<pid_t> threads;
  for (const pid_t pid : processes) {
    const auto stat = read_host_file("/proc/" + std::to_string(pid) + "/stat");
    if (stat.find(") Z ") != std::string::npos) continue;
    for (const pid_t thread : threads_of(pid)) threads.insert(thread);
  }
  return threads;
}

// Proves, on cgroup v1, that what a program starts from its first instruction (a thread made
// with a raw clone(CLONE_THREAD), a vfork child's own child, a forked child, all made before
// main) is in every one of the slot's cgroups: the run's first process joined them all before
// it executed the program, so nothing of it starts outside.
TEST_CASE("cgroup v1: threads and children a program starts before main are in every slot cgroup") {
  const auto location = detect_cgroups("codearena", "");
  if (location.v1_parents.empty()) {
    WARN("cgroup v2 here: one cgroup.procs write moves the whole process, nothing to check");
    return;
  }
  BackgroundV1Run run(location, program_request("early_tasks"));
  // All is started once the forked child exists, the last of four processes: the main one,
  // the vfork child (a zombie once it has forked its own child), that child, the forked child.
  const auto started = [] {
    const auto keepers = keeper_pids();
    return keepers.size() == 1 ? run_processes(*keepers.begin()) : std::set<pid_t>{};
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (started().size() < 4 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  // The main thread, its clone, the vfork child's child and the forked child.
  const auto threads = live_threads(started());
  CHECK(threads.size() == 4);
  for (const char* controller : {"memory", "pids", "cpu", "cpuacct"}) {
    INFO(controller);
    CHECK(run.tasks_of(controller) == threads);
  }
  run.cancel_and_check();
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
