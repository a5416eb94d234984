// Shared pieces of the sandbox tests: one engine per test process, requests that run one of
// the test programs (programs/*.c), and the check that a slot is clean after a hostile run.
#pragma once

#include <sys/types.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sandbox/parked_keeper.h"
#include "sandbox/sandbox.h"
#include "sandbox/slots.h"
#include "tests/support/host_process.h"

using codearena::sandbox::InputFile;
using codearena::sandbox::NetworkCalls;
using codearena::sandbox::RunLimits;
using codearena::sandbox::RunRequest;
using codearena::sandbox::RunResult;
using codearena::sandbox::RunStatus;
using codearena::sandbox::Sandbox;
using codearena::sandbox::SlotPool;
using codearena::testing::Canary;
using codearena::testing::keeper_pids;
using codearena::testing::read_host_file;

// The engine shared by every test of this process (ctest runs each test case in a process of
// its own). It has one slot and is created after planting planted_secret() in the environment.
Sandbox& engine();

// A value put into this process's environment before the engine exists; a run must never see it.
const std::string& planted_secret();

// Small limits for fast tests: 1 s CPU on one core, 64 MiB memory, 32 processes.
RunLimits small_limits();

// Runs test program `name` as "./name ARGS..." with small_limits().
RunRequest program_request(const std::string& name, std::vector<std::string> args = {});

// True when the run ended as the program's refusal (exit 0) or as a blocked call, the two ways a
// test program reports that its attack did not get through.
bool refused(const RunResult& result);

// Status, figures, message and the start of both streams, for failure messages.
std::string describe(const RunResult& result);

// What the probe program (programs/probe.c) saw at the start of a run.
struct ProbeReport {
  int self = -1;
  std::set<int> pids;
  std::set<std::string> box;
  std::set<std::string> tmp;
  std::set<std::string> ipc;  // "shm N" and the like, N being the count of objects.
};
ProbeReport parse_probe(const std::string& output);

// Checks a probe run's report (programs/probe.c): it is process 5 and sees only itself in
// /proc, nothing but its own file in /box, an empty /tmp and no System V IPC objects.
void expect_clean_probe(const RunResult& probe);

// The ways programs/reach_keeper.c tries to reach the keeper.
extern const std::vector<std::string> kWaysToTheKeeper;

// Checks that the slot shows nothing of the previous run: its cgroup is empty, a probe run
// is process 5 and sees only itself in /proc, nothing but its own file in /box, an empty /tmp and
// no System V IPC objects, the cgroup is empty again after the probe, and a trivial program runs
// fine.
void expect_clean_slot(SlotPool::Lease& lease);

// A directory for kept network namespaces (sandbox/kept_network.h) of the test's own: at the
// end every namespace mounted in it is unmounted, and every keeper its lock files name (one
// parked there, say) is killed and reaped if it still is the process named.
struct KeptDir {
  KeptDir();
  ~KeptDir();
  // What the lock file of namespace n says.
  std::string lock(int n) const;
  std::string path;
};

// The keeper a lock file's text names ("parked ..." or "in use <pid> <start ticks>"), if any.
std::optional<codearena::sandbox::KeeperRecord> keeper_named_in(const std::string& lock);

// Removes the kept slot cgroup 0 that engines made under `cgroup_parent`
// (SandboxConfig::cgroup_parent), and that parent.
void remove_kept_cgroups(const std::string& cgroup_parent);
