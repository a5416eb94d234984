// The engine trusts nothing a box keeper says. A forged keeper (forged_keeper.cc) stands in for
// codearena-box and answers each run with one forgery; every one must end as an internal error
// that names the broken protocol, promptly, and the slot must get a new keeper for its next run.
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "sandbox/sandbox.h"
#include "tests/sandbox/sandbox_test_support.h"

using Catch::Matchers::Contains;
using codearena::sandbox::SandboxConfig;
using codearena::sandbox::UniqueFd;

namespace {

Sandbox& forged_engine() {
  static Sandbox instance{[] {
    SandboxConfig config;
    config.helper_path = FORGED_KEEPER_PATH;
    return config;
  }()};
  return instance;
}

// The processes of `pids` that have not exited (a killed keeper nobody reaped yet is a zombie).
std::set<pid_t> living(const std::set<pid_t>& pids) {
  std::set<pid_t> alive;
  for (const pid_t pid : pids) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    const size_t name_end = line.rfind(')');
    if (name_end != std::string::npos && line.compare(name_end + 2, 1, "Z") != 0)
      alive.insert(pid);
  }
  return alive;
}

// Waits until process `pid` has exited (it may stay a zombie: this does not reap it).
void wait_for_exit(pid_t pid) {
  UniqueFd process(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (!process.valid()) return;  // Reaped already.
  pollfd exited{process.get(), POLLIN, 0};
  REQUIRE(::poll(&exited, 1, -1) == 1);
}

RunResult run_forgery(SlotPool::Lease& lease, const std::string& forgery) {
  RunRequest request;
  request.argv = {forgery};
  request.collect = {"out"};
  request.limits = small_limits();
  request.limits.wall_ms = 500;
  return lease->run(request);
}

}  // namespace

TEST_CASE("keeper distrust: every forged answer is an internal error and the keeper is replaced") {
  auto lease = forged_engine().slots().acquire();
  const char* forgeries[] = {
      "eventfd-file",      "dev-zero-file",         "oversized-file",   "files-larger-than-the-box",
      "file-sent-twice",   "more-files-than-names", "bad-file-name",    "huge-count",
      "huge-string",       "earlier-run",           "later-run",        "stopped-status",
      "exit-before-start", "no-listener",           "pipe-as-listener", "unknown-type",
      "setup-type",        "trailing-bytes",        "oversized-packet", "too-many-descriptors",
      "alive-after-exit",  "ready-during-run",      "join-type"};
  for (const char* forgery : forgeries) {
    const RunResult result = run_forgery(lease, forgery);
    INFO("forgery " << forgery << ": " << describe(result));
    CHECK(result.status == RunStatus::kInternalError);
    CHECK_THAT(result.message, Contains("sandbox") && Contains("protocol"));
    CHECK(result.collected.empty());
    // The lying keeper is gone (killed with everything in its namespaces, the next run starts a
    // new one) and nothing of its run is left in the slot's cgroup.
    CHECK(keeper_pids().empty());
    CHECK(!lease->cgroup().holds_processes());
  }
}

TEST_CASE("keeper distrust: a keeper that never reports the end is replaced after the grace") {
  auto lease = forged_engine().slots().acquire();
  const RunResult result = run_forgery(lease, "silence");
  INFO(describe(result));
  CHECK(result.status == RunStatus::kInternalError);
  CHECK_THAT(result.message, Contains("did not end the run"));
  CHECK(keeper_pids().empty());
}

TEST_CASE("keeper distrust: a keeper that exits mid-run is replaced for the next run") {
  auto lease = forged_engine().slots().acquire();
  const RunResult first = run_forgery(lease, "exit-without-answer");
  INFO("first: " << describe(first));
  CHECK(first.status == RunStatus::kInternalError);
  CHECK_THAT(first.message, Contains("keeper of this slot died"));
  // The next run reaches a new keeper (whose forgery it then refuses).
  const RunResult second = run_forgery(lease, "earlier-run");
  INFO("second: " << describe(second));
  CHECK_THAT(second.message, Contains("protocol") && Contains("during run"));
}

// Proves a live keeper that no longer reads (one taken over could shut its socket so) is no
// keeper for the engine: the run sent to it fails naming the closed socket, the keeper is killed
// and reaped, and the next run gets a new one.
TEST_CASE("keeper distrust: a keeper that stops reading is killed and replaced") {
  auto lease = forged_engine().slots().acquire();
  REQUIRE(run_forgery(lease, "deaf-after-ready").status == RunStatus::kOk);
  const auto deaf_keeper = keeper_pids();
  REQUIRE(deaf_keeper.size() == 1);
  const RunResult refused = run_forgery(lease, "honest-exit");
  INFO("refused: " << describe(refused));
  CHECK(refused.status == RunStatus::kInternalError);
  CHECK_THAT(refused.message, Contains("closed the socket"));
  CHECK(keeper_pids().empty());
  const RunResult next = run_forgery(lease, "honest-exit");
  INFO("next: " << describe(next));
  CHECK(next.status == RunStatus::kOk);
  const auto next_keeper = keeper_pids();
  CHECK(next_keeper.size() == 1);
  CHECK(next_keeper != deaf_keeper);
}

// A keeper that keeps its ready message is kept: consecutive runs share one.
TEST_CASE("keeper distrust: a keeper that answers ready after each run serves the next") {
  auto lease = forged_engine().slots().acquire();
  REQUIRE(run_forgery(lease, "honest-exit").status == RunStatus::kOk);
  const auto first_keeper = keeper_pids();
  REQUIRE(first_keeper.size() == 1);
  CHECK(run_forgery(lease, "honest-exit").status == RunStatus::kOk);
  CHECK(keeper_pids() == first_keeper);
}

// After a run a keeper owes exactly one message, its word that the run is over and the box
// replaced. A keeper that breaks it is replaced before the next run starts, and that run ends
// ok: another message where the ready belongs (a start), two ready messages, a ready message
// that carries a descriptor, none at all (the engine waits out the grace), or one sent while a
// process it left in the slot's cgroup spins on (it would be charged to the next run).
TEST_CASE(
    "keeper distrust: a keeper that breaks its ready message is replaced before the next run") {
  auto lease = forged_engine().slots().acquire();
  for (const char* forgery : {"stray-message-after-exit", "second-ready", "ready-with-descriptor",
                              "no-ready", "alive-after-ready"}) {
    const RunResult first = run_forgery(lease, forgery);
    INFO("forgery " << forgery << ": " << describe(first));
    REQUIRE(first.status == RunStatus::kOk);
    const auto first_keeper = keeper_pids();
    REQUIRE(first_keeper.size() == 1);
    const RunResult next = run_forgery(lease, "honest-exit");
    INFO("next run: " << describe(next));
    CHECK(next.status == RunStatus::kOk);
    const auto next_keeper = keeper_pids();
    CHECK(next_keeper.size() == 1);
    CHECK(next_keeper != first_keeper);
    CHECK(!lease->cgroup().holds_processes());
  }
}

// Proves a keeper that breaks its start after the join message is stopped, wherever it sits,
// that nothing of it reaches a later run, and that the slot is not left half-started: the run
// fails naming what went wrong and the next gets a new keeper, whose run ends ok, charged
// nothing and in an empty cgroup. Broken starts: a ready after the start timeout (it could be a
// taken-over one), outside the slot's cgroup or inside; no ready, the keeper gone; a start
// where the ready belongs. The service's engine reaps it at once; the command line's (keepers
// started with the engine, which joins while the engine readies the cgroup, not waited for)
// may leave it to init once killed outside the cgroup.
TEST_CASE("keeper distrust: a keeper that breaks its start is stopped and the next run is served") {
  const auto [marker, reason] = GENERATE(table<std::string, std::string>(
      {{"late-ready", "not ready within 300 ms"},
       {"late-ready-in-cgroup", "not ready within 300 ms"},
       {"exit-after-join", "exited before it was ready"},
       {"start-instead-of-ready", "ready message"}}));
  const bool command_line = GENERATE(false, true);
  CAPTURE(marker, command_line);
  char dir_template[] = "/tmp/codearena-late-keeper-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string staging = dir_template;
  UniqueFd(::open((staging + "/" + marker).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  {
    SandboxConfig config;
    config.helper_path = FORGED_KEEPER_PATH;
    config.staging_dir = staging;
    config.keeper_start_timeout_ms = 300;
    config.keepers_at_start = command_line;
    config.wait_for_keepers = !command_line;
    Sandbox sandbox(config);
    auto lease = sandbox.slots().acquire();
    const RunResult broken = run_forgery(lease, "honest-exit");
    CHECK(broken.status == RunStatus::kInternalError);
    CHECK_THAT(broken.message, Contains(reason));
    CHECK_FALSE(std::filesystem::exists(staging + "/" + marker));
    for (const pid_t pid : keeper_pids()) wait_for_exit(pid);  // Hangs if it was not killed.
    const RunResult next = run_forgery(lease, "honest-exit");
    INFO("next run: " << describe(next));
    CHECK(next.status == RunStatus::kOk);
    CHECK(next.cpu_ms == 0);
    CHECK(next.memory_kb == 0);
    CHECK(living(keeper_pids()).size() == 1);
    CHECK(!lease->cgroup().holds_processes());
  }
  std::filesystem::remove_all(staging);
}
