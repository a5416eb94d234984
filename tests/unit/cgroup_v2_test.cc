// The cgroup v2 backend against a fake cgroupfs tree (this machine has cgroup v1), and the
// hierarchy detection against mountinfo texts of v1, hybrid and pure v2 machines.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "sandbox/cgroup.h"
#include "sandbox/cgroup_v2.h"
#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

using namespace codearena::sandbox;

namespace {

void put(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

std::string get(const std::string& path) {
  return read_text_file(path);
}

// A cgroup v2 directory with the interface files the kernel would create.
struct FakeCgroupTree {
  std::string parent;
  std::string slot;

  FakeCgroupTree() {
    char pattern[] = "/tmp/codearena-cgv2-XXXXXX";
    parent = ::mkdtemp(pattern);
    slot = parent + "/slot-0";
    make_dirs(slot);
    put(parent + "/cgroup.subtree_control", "");
    put(slot + "/cgroup.procs", "");
    put(slot + "/memory.peak", "0\n");
    put(slot + "/memory.current", "4096\n");
    put(slot + "/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
    put(slot + "/cpu.stat", "usage_usec 1000\nuser_usec 600\nsystem_usec 400\n");
    for (const char* file :
         {"memory.max", "memory.swap.max", "memory.oom.group", "pids.max", "cpu.max"}) {
      put(slot + "/" + file, "");  // Written once by the backend; a fake file keeps the bytes.
    }
  }
  ~FakeCgroupTree() { std::system(("rm -rf " + parent).c_str()); }

  // What the kernel would show after a run: 300 ms CPU, a 5 MB peak, one OOM kill.
  void simulate_run() {
    put(slot + "/cpu.stat", "usage_usec 301000\nuser_usec 200000\nsystem_usec 101000\n");
    put(slot + "/memory.peak", "5004096\n");
    put(slot + "/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 1\n");
  }
};

}  // namespace

TEST_CASE("cgroup v2 hands the memory, pids and cpu controllers to the slots") {
  FakeCgroupTree tree;
  auto backend = make_cgroup_v2(tree.parent);
  CHECK(std::string(backend->version()) == "v2");
  CHECK(get(tree.parent + "/cgroup.subtree_control") == "+memory +pids +cpu");
}

TEST_CASE("cgroup v2 slot writes limits, swap off and group OOM kill") {
  FakeCgroupTree tree;
  auto slot = make_cgroup_v2(tree.parent)->create_slot("slot-0");
  CHECK(get(tree.slot + "/memory.oom.group") == "1");
  CHECK(get(tree.slot + "/memory.swap.max") == "0");
  RunLimits limits;
  limits.memory_bytes = 64 << 20;
  limits.pids = 32;
  limits.cpu_cores = 1.5;
  slot->apply_limits(limits);
  CHECK(get(tree.slot + "/memory.max") == "67108864");
  CHECK(get(tree.slot + "/pids.max") == "32");
  CHECK(get(tree.slot + "/cpu.max") == "150000 100000");
  CHECK(slot->join_files() == std::vector<std::string>{tree.slot + "/cgroup.procs"});
}

// Proves the count reads the file as it is now, though the slot keeps it open between reads.
TEST_CASE("cgroup v2 slot counts the processes cgroup.procs lists at each call") {
  FakeCgroupTree tree;
  auto slot = make_cgroup_v2(tree.parent)->create_slot("slot-0");
  CHECK(!slot->holds_processes());
  put(tree.slot + "/cgroup.procs", "12\n34\n");
  CHECK(slot->holds_processes());
  put(tree.slot + "/cgroup.procs", "");
  CHECK(!slot->holds_processes());
}

TEST_CASE("cgroup v2 slot measures a run against the baseline taken at its start") {
  FakeCgroupTree tree;
  auto slot = make_cgroup_v2(tree.parent)->create_slot("slot-0");
  slot->begin_run();
  CHECK(get(tree.slot + "/memory.peak") == "reset\n");  // The peak is reset through its fd.
  tree.simulate_run();
  CHECK(slot->cpu_ns_so_far() == 300'000'000);
  const auto usage = slot->end_run();
  CHECK(usage.cpu_ns == 300'000'000);
  CHECK(usage.memory_peak_bytes == 5'000'000);  // Peak minus what was charged before the run.
  CHECK(usage.oom_kills == 1);
  CHECK(usage.memory_limit_hits == 3);
  // The end of one run is the baseline of the next.
  slot->begin_run();
  put(tree.slot + "/memory.peak", "5004096\n");  // The kernel's answer after a reset.
  CHECK(slot->end_run().cpu_ns == 0);
}

TEST_CASE("cgroup v2 without memory.peak samples memory.current instead") {
  FakeCgroupTree tree;
  ::unlink((tree.slot + "/memory.peak").c_str());
  auto slot = make_cgroup_v2(tree.parent)->create_slot("slot-0");
  slot->begin_run();
  put(tree.slot + "/memory.current", "9004096\n");
  slot->sample();
  put(tree.slot + "/memory.current", "4096\n");
  CHECK(slot->end_run().memory_peak_bytes == 9'000'000);
}

// Proves a keyed figure is found past the first read of a kept-open file: the slot reads
// kernel files in one 4 KiB read when they fit, and a figure in the rest of a longer file must
// not be taken as absent (0).
TEST_CASE("cgroup v2 slot finds figures past the first read of a long file") {
  FakeCgroupTree tree;
  std::string table;
  for (int i = 0; table.size() < 9000; ++i) table += "counter_" + std::to_string(i) + " 4096\n";
  put(tree.slot + "/memory.stat", table + "shmem 7340032\n");
  put(tree.slot + "/cpu.stat", table + "usage_usec 1000\n");
  auto slot = make_cgroup_v2(tree.parent)->create_slot("slot-0");
  CHECK(slot->shared_memory_bytes() == 7340032);
  slot->begin_run();
  put(tree.slot + "/cpu.stat", table + "usage_usec 251000\n");
  CHECK(slot->cpu_ns_so_far() == 250'000'000);
}

TEST_CASE("cgroup v2 slot reports unreadable counters as errors naming the file") {
  FakeCgroupTree tree;
  auto slot = make_cgroup_v2(tree.parent)->create_slot("slot-0");
  put(tree.slot + "/memory.current", "garbage\n");
  REQUIRE_THROWS_WITH(slot->begin_run(), Catch::Contains("memory.current"));
}

namespace {

CgroupSystemView view(const std::string& mountinfo, const std::string& self,
                      const std::string& controllers) {
  return {mountinfo, self, [controllers](const std::string&) { return controllers; }};
}

const char* kHybridMountinfo =
    "30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
    "33 30 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "34 30 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "35 30 0:31 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";

}  // namespace

TEST_CASE("cgroup detection picks v1 on a hybrid machine whose v2 tree has no controllers") {
  const auto location = choose_cgroup_location(
      view(kHybridMountinfo, "4:memory:/jobs/a\n3:pids:/\n2:cpu,cpuacct:/\n0::/\n", "hugetlb\n"),
      "codearena", "");
  CHECK(location.v2_parent.empty());
  CHECK(location.v1_parents.at("memory") == "/sys/fs/cgroup/memory/jobs/a/codearena");
  CHECK(location.v1_parents.at("pids") == "/sys/fs/cgroup/pids/codearena");
  CHECK(location.v1_parents.at("cpu") == "/sys/fs/cgroup/cpu,cpuacct/codearena");
  CHECK(location.v1_parents.at("cpuacct") == "/sys/fs/cgroup/cpu,cpuacct/codearena");
}

TEST_CASE("cgroup detection picks v2 on a unified machine and delegates from the own cgroup") {
  const auto location = choose_cgroup_location(
      view("29 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n",
           "0::/kubepods/pod1/c1\n", "cpuset cpu io memory hugetlb pids rdma misc\n"),
      "codearena", "");
  CHECK(location.v2_parent == "/sys/fs/cgroup/kubepods/pod1/c1/codearena");
  CHECK(location.v2_delegate_from == "/sys/fs/cgroup/kubepods/pod1/c1");
  CHECK(location.v1_parents.empty());
}

TEST_CASE("cgroup detection honours a configured parent and a namespaced mount root") {
  const auto unified = view("29 25 0:26 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
                            "0::/kubepods/pod1\n", "cpu memory pids\n");
  CHECK(choose_cgroup_location(unified, "codearena", "").v2_parent == "/sys/fs/cgroup/codearena");
  CHECK(choose_cgroup_location(unified, "codearena", "/sandbox").v2_parent ==
        "/sys/fs/cgroup/sandbox");
}

TEST_CASE("cgroup detection explains a machine without usable cgroups") {
  REQUIRE_THROWS_AS(choose_cgroup_location(view("", "0::/\n", ""), "codearena", ""), SandboxError);
}

namespace {

// The pid of a process that was killed hard and reaped: no process has it (until reused).
pid_t killed_process_pid() {
  const pid_t child = ::fork();
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  REQUIRE(child > 0);
  ::kill(child, SIGKILL);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  return child;
}

}  // namespace

// Proves the start-up cleanup on v2 removes the slot cgroups named after a process that is
// gone and keeps this engine's, other directories and names that are not "<pid>-<slot>".
TEST_CASE("cgroup v2 start-up cleanup removes the slots of engines that are gone") {
  FakeCgroupTree tree;
  auto backend = make_cgroup_v2(tree.parent);
  const auto dead = std::to_string(killed_process_pid());
  const auto live = slot_cgroup_name(0);
  for (const auto& name : {dead + "-0", dead + "-1", live, std::string("codearena-spare")})
    make_dirs(tree.parent + "/" + name);
  remove_stale_slot_cgroups(*backend);
  CHECK_FALSE(path_exists(tree.parent + "/" + dead + "-0"));
  CHECK_FALSE(path_exists(tree.parent + "/" + dead + "-1"));
  CHECK(path_exists(tree.parent + "/" + live));
  CHECK(path_exists(tree.parent + "/codearena-spare"));
  CHECK(path_exists(tree.slot));
}

TEST_CASE("cgroup v2 reclaims what an earlier run left above the bound, and only that") {
  FakeCgroupTree tree;
  auto slot = make_cgroup_v2(tree.parent)->create_slot("slot-0");
  RunLimits limits;
  limits.memory_bytes = 128 << 20;  // Bound: a quarter, 32 MiB.
  slot->apply_limits(limits);
  put(tree.slot + "/memory.reclaim", "");
  put(tree.slot + "/memory.current", std::to_string(30 << 20) + "\n");
  slot->begin_run();
  CHECK(get(tree.slot + "/memory.reclaim").empty());  // Cache worth keeping stays.
  put(tree.slot + "/memory.current", std::to_string(40 << 20) + "\n");
  slot->begin_run();
  CHECK(get(tree.slot + "/memory.reclaim") == std::to_string(8 << 20));  // Down to the bound.
}
