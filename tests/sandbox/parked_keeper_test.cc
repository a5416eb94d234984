// Keepers parked between one-shot engines (sandbox/parked_keeper.h), each engine made as the
// command line makes one per call, in a kept directory and cgroup parent of the test's own: a
// call that ends clean parks its keeper, the next call with the same setup adopts it and finds
// a new box with nothing of the last call's, and anything else leaves no keeper adopted.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
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
  // `name` tells apart the cgroup parents of Calls of one test.
  explicit Calls(const KeptDir& dir, const std::string& name = "") {
    config.keepers_at_start = true;
    config.check_at_start = false;
    config.wait_for_keepers = false;
    config.kept_network_dir = dir.path;
    config.cgroup_parent = "/codearena-parked-test-" + std::to_string(::getpid()) + name;
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
  // Under /var/tmp: a directory under /tmp (a build tree there) would be hidden by the box's.
  char folder[] = "/var/tmp/codearena-other-setup-XXXXXX";
  REQUIRE(::mkdtemp(folder) != nullptr);
  ::chmod(folder, 0755);
  calls.config.binds = default_read_only_binds();
  calls.config.binds.push_back({folder, false});
  const auto other = calls.call(shell(std::string("ls -d ") + folder));
  ::rmdir(folder);
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
    write_text_file_create(dir.path + "/0.lock", forged);
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

// Attacks on the reuse of a parked keeper across calls: what a call (its program, or its caller)
// can leave for, learn from or do to the call that adopts the keeper after it, and whether an
// engine can be made to adopt, signal or take a descriptor from any other process.

namespace {

// What a program finds of its process when it starts, the same for every call whose keeper
// was new: its descriptors, umask, limits, host name, directory, environment, personality,
// nice value and PID, and that the keeper's descriptors cannot be read.
RunRequest inventory() {
  return shell(
      "ls /proc/$$/fd; umask; ulimit -a; hostname; pwd; env | sort; cat /proc/self/personality;"
      " cut -d' ' -f19 /proc/self/stat; ls /proc/1/fd 2>&1; echo $$");
}

RunRequest with_limits(RunRequest request, const std::function<void(RunLimits&)>& change) {
  change(request.limits);
  return request;
}

// A call's program, each made to leave something for the next call on the same keeper.
struct Leftover {
  const char* what;
  RunRequest request;
};

std::vector<Leftover> leftovers() {
  return {
      {"a double-forked daemon", program_request("daemon")},
      {"System V IPC objects", program_request("sysv_ipc")},
      {"8 MiB of System V shared memory", program_request("ipc_hold", {"shm", "8"})},
      {"1 MiB of System V messages", program_request("ipc_hold", {"msg", "1"})},
      {"litter in /box and /tmp", program_request("litter", {"leave"})},
      {"a FIFO held open by a child", shell("mkfifo /tmp/f; (exec 3<>/tmp/f; sleep 1000) & :")},
      {"stopped processes", shell("sleep 1000 & kill -STOP $!; sh -c 'kill -STOP $$' & :")},
      {"zombies and a child in the middle of exiting",
       shell("true & sh -c 'exit 0' & exec sh -c 'exit 0'")},
      {"a grandchild burning memory", program_request("orphan_load", {"memory", "16"})},
      {"its own umask, limits, directory and host name",
       shell("umask 0; ulimit -n 16; ulimit -s 256; cd /tmp; hostname other 2>/dev/null; :")},
      {"SIGKILL to PID 1", program_request("kill_others", {"init"})},
      {"processes that wait forever from before main", program_request("early_tasks")},
  };
}

// The keeper a first call on `dir` left parked.
pid_t first_parked_keeper(Calls& calls, const KeptDir& dir) {
  REQUIRE(calls.call(shell("true")).status == RunStatus::kOk);
  return parked_keeper(dir).pid;
}

// Whether process `pid`, a child of this process, is still alive (not yet ended).
bool alive(pid_t pid) {
  return ::waitpid(pid, nullptr, WNOHANG) == 0;
}

}  // namespace

TEST_CASE("parked keeper attack: whatever a call leaves, the call adopting its keeper starts as "
          "on a new keeper, in a clean slot") {
  KeptDir dir;
  Calls calls(dir);
  const auto reference = calls.call(inventory());
  INFO(describe(reference));
  REQUIRE(reference.status == RunStatus::kOk);
  const pid_t keeper = parked_keeper(dir).pid;
  for (const auto& leftover : leftovers()) {
    INFO("the call before left " << leftover.what);
    const auto left = calls.call(leftover.request);
    INFO(describe(left));
    CHECK(parked_keeper(dir).pid == keeper);  // Parked again: the next call adopts it.
    const auto next = calls.call(inventory());
    CHECK(next.status == RunStatus::kOk);
    CHECK(next.stdout_data == reference.stdout_data);
    CHECK(next.stderr_data == reference.stderr_data);
    expect_clean_probe(calls.call(program_request("probe")));
    CHECK(parked_keeper(dir).pid == keeper);
  }
  CHECK(!calls.kept_cgroup()->holds_processes());
}

TEST_CASE("parked keeper attack: no way of a program to its adopted keeper reaches it, and the "
          "next call adopts it unharmed") {
  KeptDir dir;
  Calls calls(dir);
  const pid_t keeper = first_parked_keeper(calls, dir);
  for (const auto& way : kWaysToTheKeeper) {
    const auto result = calls.call(program_request("reach_keeper", {way}));
    INFO(way << ": " << describe(result));
    CHECK(refused(result));
    CHECK(parked_keeper(dir).pid == keeper);
  }
  const auto next = calls.call(shell("ls -A /box /tmp"));
  CHECK(next.stdout_data == "/box:\n\n/tmp:\n");
}

TEST_CASE("parked keeper attack: memory and CPU time a call used are not charged to the call "
          "adopting its keeper, and each call gets its own limits") {
  KeptDir dir;
  Calls calls(dir);
  const auto heavy = calls.call(program_request("allocate", {"heap", "48"}));
  REQUIRE(heavy.status == RunStatus::kOk);
  const pid_t keeper = parked_keeper(dir).pid;
  const auto busy = calls.call(program_request("spin", {"500"}));
  REQUIRE(busy.status == RunStatus::kOk);
  const auto light = calls.call(shell("true"));
  INFO(describe(heavy) << "\n" << describe(busy) << "\n" << describe(light));
  CHECK(light.memory_kb < heavy.memory_kb / 4);
  CHECK(light.cpu_ms < busy.cpu_ms / 4);

  const auto tight = [](RunLimits& limits) {
    limits.memory_bytes = 32LL << 20;
    limits.pids = 8;
  };
  CHECK(calls.call(with_limits(program_request("allocate", {"heap", "48"}), tight)).status ==
        RunStatus::kMemoryLimit);
  CHECK(calls.call(program_request("allocate", {"heap", "48"})).status == RunStatus::kOk);
  // Threads that end free their place: fewer than asked for start under the limit of 8.
  const auto few = calls.call(with_limits(program_request("spin_threads", {"16", "50"}), tight));
  INFO(describe(few));
  CHECK(few.stdout_data.rfind("threads=16 ", 0) != 0);
  const auto many = calls.call(program_request("spin_threads", {"16", "50"}));
  CHECK(many.stdout_data.rfind("threads=16 ", 0) == 0);
  CHECK(parked_keeper(dir).pid == keeper);
}

TEST_CASE("parked keeper attack: a lock file naming the keeper of another namespace, parked "
          "or mid-run, neither adopts nor signals it") {
  KeptDir mine;
  KeptDir theirs;
  Calls my_calls(mine, "-mine");
  Calls their_calls(theirs, "-theirs");
  // Both set up alike, with a folder where their call, mid-run, waits for a file.
  char folder[] = "/run/codearena-parked-go-XXXXXX";
  REQUIRE(::mkdtemp(folder) != nullptr);
  REQUIRE(::chmod(folder, 0755) == 0);
  const std::string go = std::string(folder) + "/go";
  for (auto* calls : {&my_calls, &their_calls}) {
    calls->config.binds = default_read_only_binds();
    calls->config.binds.push_back({folder, false});
  }
  REQUIRE(my_calls.call(shell("true")).status == RunStatus::kOk);
  REQUIRE(their_calls.call(shell("true")).status == RunStatus::kOk);
  const auto their_lock = theirs.lock(0);
  const KeeperRecord parked = parked_keeper(theirs);
  const auto named = std::to_string(parked.pid) + " " + std::to_string(parked.start_ticks);
  const std::vector<std::string> forgeries = {
      their_lock,  // Their setup is mine: a keeper my call would adopt were it in my namespace.
      "parked " + named + " " + std::to_string(keeper::kParkedEngineEnd) + " 1\n",
      "in use " + named + "\n"};
  const auto my_calls_on_forged_locks = [&] {
    for (const auto& forged : forgeries) {
      INFO("my lock file: " << forged);
      // My keeper, which the forgery would leave parked unnamed until its idle time is out.
      const pid_t my_keeper = parked_keeper(mine).pid;
      ::kill(my_keeper, SIGKILL);
      wait_status_of(my_keeper);
      write_text_file_create(mine.path + "/0.lock", forged);
      CHECK(my_calls.call(shell("true")).status == RunStatus::kOk);
      CHECK(parked_keeper(mine).pid != parked.pid);
      CHECK(alive(parked.pid));
    }
  };
  my_calls_on_forged_locks();
  CHECK(theirs.lock(0) == their_lock);

  // Their keeper mid-run: their call's program waits for the file `go`.
  const pid_t their_caller = ::fork();
  REQUIRE(their_caller >= 0);
  if (their_caller == 0) {
    const auto result = their_calls.call(shell("until [ -e " + go + " ]; do sleep 0.01; done"));
    ::_exit(result.status == RunStatus::kOk ? 0 : 1);
  }
  while (!their_calls.kept_cgroup()->holds_processes()) {
    REQUIRE(alive(their_caller));
    ::usleep(1000);
  }
  CHECK(keeper_named_in(theirs.lock(0))->pid == parked.pid);  // Adopted, running their call.
  my_calls_on_forged_locks();
  REQUIRE(::close(::open(go.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == 0);
  CHECK(wait_status_of(their_caller) == 0);
  CHECK(parked_keeper(theirs).pid == parked.pid);
  ::unlink(go.c_str());
  ::rmdir(folder);
}

TEST_CASE("parked keeper attack: a caller whose process differs does not adopt the keeper of "
          "another caller") {
  KeptDir dir;
  Calls calls(dir);
  const auto reference = calls.call(inventory());
  REQUIRE(reference.status == RunStatus::kOk);
  const pid_t keeper = parked_keeper(dir).pid;
  // Another caller: another umask, no address space randomization, a lower priority, fewer
  // processes allowed.
  const pid_t other = ::fork();
  REQUIRE(other >= 0);
  if (other == 0) {
    ::umask(077);
    ::personality(ADDR_NO_RANDOMIZE);
    ::setpriority(PRIO_PROCESS, 0, 10);
    const rlimit processes{500, 500};
    ::setrlimit(RLIMIT_NPROC, &processes);
    const auto result = calls.call(inventory());
    ::_exit(result.status == RunStatus::kOk && result.stdout_data != "" ? 0 : 1);
  }
  CHECK(wait_status_of(other) == 0);
  CHECK(parked_keeper(dir).pid != keeper);  // The other caller did not adopt it...
  const auto next = calls.call(inventory());
  CHECK(next.stdout_data == reference.stdout_data);  // ...nor did this one adopt the other's.
}

TEST_CASE("parked keeper attack: five calls at once adopt one parked keeper at most, and each "
          "runs") {
  KeptDir dir;
  Calls calls(dir);
  const pid_t keeper = first_parked_keeper(calls, dir);
  std::vector<pid_t> callers;
  for (int i = 0; i < 5; ++i) {
    callers.push_back(::fork());
    REQUIRE(callers.back() >= 0);
    if (callers.back() == 0) {
      const auto result = calls.call(shell("ls -A /box /tmp"));
      ::_exit(result.status == RunStatus::kOk && result.stdout_data == "/box:\n\n/tmp:\n" ? 0 : 1);
    }
  }
  for (const pid_t caller : callers) CHECK(wait_status_of(caller) == 0);
  std::set<pid_t> parked;
  for (int n = 0; n < 5; ++n) {
    if (const auto named = keeper_named_in(dir.lock(n))) parked.insert(named->pid);
  }
  CHECK(parked.size() == 5);  // One keeper each: none was adopted twice.
  CHECK(parked.count(keeper) <= 1);
}

TEST_CASE("parked keeper attack: a keeper that exits idle as a call adopts it leaves the call a "
          "new one") {
  KeptDir dir;
  Calls calls(dir);
  calls.config.parked_keeper_idle_ms = 1;
  for (int i = 0; i < 20; ++i) {
    const auto result = calls.call(shell("ls -A /box /tmp"));
    INFO("call " << i << ": " << describe(result));
    CHECK(result.status == RunStatus::kOk);
    CHECK(result.stdout_data == "/box:\n\n/tmp:\n");
  }
}

TEST_CASE("parked keeper attack: an engine killed while it parks or adopts leaves no keeper "
          "that the next call adopts or that lives on unnamed") {
  KeptDir dir;
  Calls calls(dir);
  REQUIRE(calls.call(shell("true")).status == RunStatus::kOk);
  SECTION("killed after it took the socket end, before its join message") {
    const KeeperRecord parked = parked_keeper(dir);
    // What the adopting engine had done: its lock marked, the socket end taken.
    write_text_file_create(dir.path + "/0.lock", "in use " + std::to_string(parked.pid) + " " +
                                              std::to_string(parked.start_ticks) + "\n");
    const UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, parked.pid, 0)));
    const UniqueFd taken(static_cast<int>(
        ::syscall(SYS_pidfd_getfd, pidfd.get(), keeper::kParkedEngineEnd, 0)));
    REQUIRE(taken.valid());
    CHECK(calls.call(shell("true")).status == RunStatus::kOk);
    const int status = wait_status_of(parked.pid);
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    CHECK(parked_keeper(dir).pid != parked.pid);
  }
  SECTION("killed after its keeper parked, before the lock file named it") {
    calls.config.parked_keeper_idle_ms = 100;
    REQUIRE(calls.call(shell("true")).status == RunStatus::kOk);
    const KeeperRecord parked = parked_keeper(dir);
    write_text_file_create(dir.path + "/0.lock", "in use\n");
    CHECK(calls.call(shell("true")).status == RunStatus::kOk);
    CHECK(parked_keeper(dir).pid != parked.pid);
    const int status = wait_status_of(parked.pid);  // It exits by itself once idle.
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
}

TEST_CASE("parked keeper attack: a read-only folder made anew at its path after a call is shown "
          "to the next call, not the old one the parked keeper bound") {
  KeptDir dir;
  Calls calls(dir);
  char folder[] = "/run/codearena-parked-shown-XXXXXX";
  REQUIRE(::mkdtemp(folder) != nullptr);
  const std::string shown = std::string(folder) + "/shown";
  const auto make_shown = [&](const std::string& file) {
    REQUIRE(::mkdir(shown.c_str(), 0755) == 0);
    write_text_file_create(shown + "/" + file, "");
  };
  calls.config.binds = default_read_only_binds();
  calls.config.binds.push_back({shown, false});
  make_shown("first-callers-file");
  const auto first = calls.call(shell("ls " + shown));
  CHECK(first.stdout_data == "first-callers-file\n");
  const pid_t keeper = parked_keeper(dir).pid;
  const std::string old = std::string(folder) + "/old";
  REQUIRE(::rename(shown.c_str(), old.c_str()) == 0);
  make_shown("second-callers-file");
  const auto second = calls.call(shell("ls " + shown));
  CHECK(second.stdout_data == "second-callers-file\n");
  const pid_t second_keeper = parked_keeper(dir).pid;
  CHECK(second_keeper != keeper);
  CHECK(calls.call(shell("true")).status == RunStatus::kOk);
  CHECK(parked_keeper(dir).pid == second_keeper);  // Nothing changed since: adopted.
  std::filesystem::remove_all(folder);
}

TEST_CASE("parked keeper attack: a parked keeper that answers the join with a start, with nothing "
          "or not at all is killed and the call served by a new one") {
  char staging[] = "/run/codearena-parked-staging-XXXXXX";
  REQUIRE(::mkdtemp(staging) != nullptr);
  RunRequest honest;
  honest.argv = {"honest-exit"};
  honest.limits = small_limits();
  honest.last_on_slot = true;
  for (const auto& [marker, end] :
       std::vector<std::pair<std::string, int>>{{"join-answer-start", SIGKILL},
                                                {"join-answer-silence", SIGKILL},
                                                {"join-answer-exit", 0}}) {
    INFO(marker);
    KeptDir dir;
    Calls calls(dir);
    calls.config.helper_path = FORGED_KEEPER_PATH;
    calls.config.staging_dir = staging;
    calls.config.keeper_start_timeout_ms = 300;
    REQUIRE(calls.call(honest).status == RunStatus::kOk);
    const pid_t forger = parked_keeper(dir).pid;
    REQUIRE(::close(::open((std::string(staging) + "/" + marker).c_str(),
                           O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) == 0);
    const auto served = calls.call(honest);
    INFO(describe(served));
    CHECK(served.status == RunStatus::kOk);
    const int status = wait_status_of(forger);
    CHECK(status == (end == 0 ? 0 : end));  // A signal's wait status is its number.
    const pid_t next = parked_keeper(dir).pid;
    CHECK(next != forger);
    ::kill(next, SIGKILL);  // KeptDir stops keepers of the real executable only.
    wait_status_of(next);
  }
  std::filesystem::remove_all(staging);
}
