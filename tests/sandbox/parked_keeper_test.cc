// Keepers parked between one-shot engines (sandbox/parked_keeper.h), each engine made as the
// command line makes one per call, in a kept directory and cgroup parent of the test's own: a
// call that ends clean parks its keeper, the next call with the same setup adopts it and finds
// a new box with nothing of the last call's, and anything else leaves no keeper adopted.
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sandbox/cgroup.h"
#include "sandbox/fs_util.h"
#include "sandbox/keeper_protocol.h"
#include "sandbox/parked_keeper.h"
#include "tests/sandbox/sandbox_test_support.h"

using namespace codearena::sandbox;

namespace {

RunRequest shell(const std::string& script, const std::string& name = "sh") {
  RunRequest request;
  request.argv = {"/bin/sh", "-c", script, name};
  request.limits = small_limits();
  request.last_on_slot = true;  // As the command line's last run.
  return request;
}

// Engines as the command line makes them, one per call.
struct Calls {
  explicit Calls(const KeptDir& dir) {
    config.keepers_at_start = true;
    config.check_at_start = false;
    config.wait_for_keepers = false;
    config.kept_network_dir = dir.path;
    config.cgroup_parent = "/codearena-parked-test-" + std::to_string(::getpid());
  }
  ~Calls() { remove_kept_cgroups(config.cgroup_parent); }

  // One call running `request`; `before_end` runs after the run, before the engine ends.
  RunResult call(const RunRequest& request, const std::function<void()>& before_end = {}) {
    Sandbox engine(config);
    RunResult result = engine.run(request);
    if (before_end) before_end();
    return result;
  }

  // The slot cgroup kept with namespace 0.
  std::unique_ptr<SlotCgroup> kept_cgroup() const {
    return make_cgroup_backend(detect_cgroups("codearena", config.cgroup_parent))
        ->create_slot(kept_slot_cgroup_name(0));
  }

  SandboxConfig config;
};

// The keeper a call left parked in namespace 0; fails the test if there is none.
KeeperRecord parked_keeper(const KeptDir& dir) {
  const auto lock = dir.lock(0);
  INFO("lock file: " << lock);
  REQUIRE(lock.rfind("parked ", 0) == 0);
  const auto keeper = keeper_named_in(lock);
  REQUIRE(keeper);
  return *keeper;
}

// A host process of this test's own, outside any box: `sleep`, killed and reaped at the end.
struct Sleeper {
  Sleeper() : pid(::fork()) {
    if (pid == 0) {
      ::execl("/bin/sleep", "sleep", "1000", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    REQUIRE(pid > 0);
  }
  ~Sleeper() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  // Ends it with SIGTERM and returns its wait status.
  int terminate() {
    ::kill(pid, SIGTERM);
    int status = 0;
    ::waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }
  pid_t pid;
};

// Waits until process `pid`, a child of this process, has ended; its wait status.
int wait_status_of(pid_t pid) {
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return status;
}

}  // namespace

TEST_CASE("parked keeper: the next call adopts it, its program holds 0, 1, 2 only, in a new box") {
  KeptDir dir;
  Calls calls(dir);
  const auto first = calls.call(shell("echo left > /box/file && echo left > /tmp/file"));
  INFO(describe(first));
  REQUIRE(first.status == RunStatus::kOk);
  const KeeperRecord parked = parked_keeper(dir);
  // Parked, it holds the engine's end of its socket at the number the lock file gives.
  CHECK(path_exists("/proc/" + std::to_string(parked.pid) + "/fd/" +
                    std::to_string(keeper::kParkedEngineEnd)));

  std::optional<KeeperRecord> during;
  const auto second = calls.call(shell("ls -A /box /tmp && ls /proc/$$/fd"),
                                 [&] { during = keeper_named_in(dir.lock(0)); });
  INFO(describe(second));
  CHECK(second.status == RunStatus::kOk);
  CHECK(second.stdout_data == "/box:\n\n/tmp:\n0\n1\n2\n");
  REQUIRE(during);
  CHECK(during->pid == parked.pid);  // The adopted keeper ran the second call's program.
  CHECK(parked_keeper(dir).pid == parked.pid);
}

TEST_CASE("parked keeper: a call that leaves a process in its cgroup or a socket parks nothing") {
  KeptDir dir;
  Calls calls(dir);
  SECTION("a process in the slot cgroup") {
    Sleeper daemon;
    const auto result = calls.call(shell("true"), [&] {
      for (const auto& join : calls.kept_cgroup()->join_files())
        write_text_file(join, std::to_string(daemon.pid));
    });
    CHECK(result.status == RunStatus::kOk);
    CHECK(dir.lock(0) == "clean\n");  // The namespace is clean; the keeper was stopped.
    CHECK(keeper_pids().empty());
  }
  SECTION("a socket kept in flight in the namespace") {
    auto plant = program_request("kept_net", {"dgram"});
    plant.last_on_slot = true;
    const auto result = calls.call(plant);
    INFO(describe(result));
    CHECK(result.stdout_data == "planted\n");
    CHECK(dir.lock(0) == "in use\n");
  }
  const auto next = calls.call(shell("true"));
  CHECK(next.status == RunStatus::kOk);
}

TEST_CASE("parked keeper: a call killed mid-run is not adopted from and leaves no process") {
  KeptDir dir;
  Calls calls(dir);
  REQUIRE(calls.call(shell("true")).status == RunStatus::kOk);
  const KeeperRecord parked = parked_keeper(dir);

  const pid_t caller = ::fork();
  REQUIRE(caller >= 0);
  if (caller == 0) {
    try {
      calls.call(shell("sleep 1000; :"));
    } catch (...) {
    }
    ::_exit(0);
  }
  // The adopting call's program and its child, in the kept cgroup of the adopted keeper.
  const auto cgroup = calls.kept_cgroup();
  const auto procs = cgroup->join_files().front();
  std::vector<UniqueFd> boxed;
  while (boxed.size() < 2) {
    REQUIRE(::waitpid(caller, nullptr, WNOHANG) == 0);
    boxed.clear();
    std::istringstream pids(read_host_file(procs));
    for (pid_t pid; pids >> pid;)
      boxed.emplace_back(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    ::usleep(1000);
  }
  CHECK(keeper_named_in(dir.lock(0))->pid == parked.pid);  // Adopted, and named in use.
  ::kill(caller, SIGKILL);
  REQUIRE(wait_status_of(caller) != 0);

  // At once, while the killed call's keeper may be alive still.
  const auto next = calls.call(shell("true"));
  CHECK(next.status == RunStatus::kOk);
  CHECK(parked_keeper(dir).pid != parked.pid);
  wait_status_of(parked.pid);
  for (const auto& process : boxed) {
    pollfd ended{process.get(), POLLIN, 0};
    CHECK(::poll(&ended, 1, -1) == 1);
  }
  CHECK(!cgroup->holds_processes());
}

TEST_CASE("parked keeper: a call with another setup does not adopt it, and it is killed") {
  KeptDir dir;
  Calls calls(dir);
  REQUIRE(calls.call(shell("true")).status == RunStatus::kOk);
  const KeeperRecord parked = parked_keeper(dir);
  calls.config.binds = default_read_only_binds();
  calls.config.binds.push_back({CODEARENA_TEST_PROGRAMS_DIR, false});
  const auto other = calls.call(shell("ls " CODEARENA_TEST_PROGRAMS_DIR "/probe"));
  INFO(describe(other));
  CHECK(other.status == RunStatus::kOk);
  CHECK(parked_keeper(dir).pid != parked.pid);
  const int status = wait_status_of(parked.pid);
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
}

TEST_CASE(
    "parked keeper: a lock file naming a process that is no keeper neither adopts nor "
    "signals it") {
  KeptDir dir;
  Calls calls(dir);
  REQUIRE(calls.call(shell("true")).status == RunStatus::kOk);
  const auto genuine = dir.lock(0);
  std::vector<pid_t> parked = {parked_keeper(dir).pid};
  Sleeper sleeper;
  // Its start time is its fork's: the same before and after its exec.
  const auto ticks = start_ticks_of(sleeper.pid);
  REQUIRE(ticks);
  const auto digest = genuine.substr(genuine.rfind(' ') + 1);
  const auto named = std::to_string(sleeper.pid) + " " + std::to_string(*ticks);
  for (const auto& forged :
       {"parked " + named + " " + std::to_string(keeper::kParkedEngineEnd) + " " + digest,
        "in use " + named + "\n"}) {
    INFO("lock file: " << forged);
    write_text_file(dir.path + "/0.lock", forged);
    const auto result = calls.call(shell("true"));
    CHECK(result.status == RunStatus::kOk);
    parked.push_back(parked_keeper(dir).pid);
    CHECK(parked.back() != sleeper.pid);
    CHECK(::waitpid(sleeper.pid, nullptr, WNOHANG) == 0);
  }
  const int status = sleeper.terminate();
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM));
  // The keepers parked along the way, children of this process.
  for (const pid_t keeper : parked) {
    if (keeper == parked.back()) continue;  // Named in the lock file: KeptDir stops it.
    ::kill(keeper, SIGKILL);
    wait_status_of(keeper);
  }
}

TEST_CASE("parked keeper: it exits when no call comes within its idle time") {
  KeptDir dir;
  Calls calls(dir);
  calls.config.parked_keeper_idle_ms = 100;
  REQUIRE(calls.call(shell("true")).status == RunStatus::kOk);
  const KeeperRecord parked = parked_keeper(dir);
  const int status = wait_status_of(parked.pid);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  REQUIRE(calls.call(shell("true")).status == RunStatus::kOk);
  CHECK(parked_keeper(dir).pid != parked.pid);
}
