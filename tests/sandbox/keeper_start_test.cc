// A slot's keeper started before its cgroup exists (SandboxConfig::keepers_at_start, as the
// command line starts it): it gets the cgroup later, runs nothing before, and is not left behind
// by an engine that fails to start.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sandbox/errors.h"
#include "sandbox/keeper_protocol.h"
#include "sandbox/namespaces.h"
#include "sandbox/precompiled_filters.h"
#include "sandbox/rlimits.h"
#include "sandbox/sandbox.h"
#include "sandbox/supervisor.h"
#include "sandbox/wire.h"
#include "tests/sandbox/sandbox_test_support.h"

using Catch::Matchers::StartsWith;
using codearena::sandbox::default_read_only_binds;
using codearena::sandbox::executable_dir;
using codearena::sandbox::fresh_network_namespace;
using codearena::sandbox::KeeperProcess;
using codearena::sandbox::precompiled_seccomp_filter;
using codearena::sandbox::reap_box_keeper;
using codearena::sandbox::SandboxConfig;
using codearena::sandbox::SandboxError;
using codearena::sandbox::SlotConfig;
using codearena::sandbox::start_slot_keeper;
using codearena::sandbox::UniqueFd;
namespace keeper = codearena::sandbox::keeper;
namespace wire = codearena::sandbox::wire;

namespace {

SandboxConfig keepers_at_start() {
  SandboxConfig config;
  config.keepers_at_start = true;
  return config;
}

// A slot of its own for keepers started by hand, outside any engine.
SlotConfig lone_slot() {
  SlotConfig slot;
  slot.uid = 61000;
  slot.helper_path = executable_dir() + "/codearena-box";
  slot.staging_dir = SandboxConfig{}.staging_dir;
  slot.binds = default_read_only_binds();
  slot.seccomp_filter = precompiled_seccomp_filter(false);
  slot.seccomp_filter_refuse = precompiled_seccomp_filter(true);
  return slot;
}

UniqueFd open_fd(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  REQUIRE(fd.valid());
  return fd;
}

std::string network_namespace_of(const std::string& proc_dir) {
  char target[64] = {};
  REQUIRE(::readlink((proc_dir + "/ns/net").c_str(), target, sizeof target - 1) > 0);
  return target;
}

// The network namespace of each thread of the process whose /proc directory is `proc_dir`.
std::set<std::string> thread_namespaces(const std::string& proc_dir = "/proc/self") {
  std::set<std::string> namespaces;
  for (const auto& task : std::filesystem::directory_iterator(proc_dir + "/task"))
    namespaces.insert(network_namespace_of(task.path()));
  return namespaces;
}

// What the descriptors of process `pid` point at. The keeper's worker thread may close one
// while they are listed (it makes the next run's IPC namespace after a run): that one is left out.
std::vector<std::string> descriptor_targets(pid_t pid) {
  std::vector<std::string> targets;
  const auto fds = "/proc/" + std::to_string(pid) + "/fd";
  for (const auto& fd : std::filesystem::directory_iterator(fds)) {
    std::error_code closed;
    const auto target = std::filesystem::read_symlink(fd.path(), closed);
    if (!closed) targets.push_back(target.string());
  }
  return targets;
}

// The processes in the PID namespace `pid_namespace` (as /proc/<pid>/ns/pid names it).
std::vector<pid_t> processes_in(const std::string& pid_namespace) {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code gone;
    if (std::filesystem::read_symlink(entry.path() / "ns/pid", gone) == pid_namespace)
      pids.push_back(std::stoi(name));
  }
  return pids;
}

// Starts a keeper for lone_slot() whose standard error goes into a new memory file, left in
// `keeper_stderr`.
KeeperProcess start_lone_keeper_into(UniqueFd& keeper_stderr) {
  keeper_stderr = UniqueFd(::memfd_create("keeper-stderr", MFD_CLOEXEC));
  REQUIRE(keeper_stderr.valid());
  UniqueFd own_stderr(::fcntl(2, F_DUPFD_CLOEXEC, 3));
  REQUIRE(::dup2(keeper_stderr.get(), 2) == 2);
  KeeperProcess started = start_slot_keeper(lone_slot(), /*network_later=*/true);
  REQUIRE(::dup2(own_stderr.get(), 2) == 2);
  return started;
}

// What was written into the memory file `memfd` (up to 511 bytes).
std::string printed(int memfd) {
  char text[512] = {};
  REQUIRE(::pread(memfd, text, sizeof text - 1, 0) >= 0);
  return text;
}

std::string failure_reason(int control) {
  auto message = wire::receive_message(control);
  REQUIRE(message);
  wire::Reader reader(message->body);
  return keeper::decode_failed(reader).reason;
}

// Why an engine made with `config` fails to start or to run a first program: the error the
// engine throws or, when it starts, the run's internal error.
std::string first_run_failure(const SandboxConfig& config) {
  try {
    Sandbox sandbox(config);
    auto lease = sandbox.slots().acquire();
    const RunResult result = lease->run(program_request("exit_code", {"0"}));
    CHECK(result.status == RunStatus::kInternalError);
    return result.message;
  } catch (const SandboxError& error) {
    return error.what();
  }
}

// Every keeper the test's engines started has been reaped.
void expect_no_child_left() {
  errno = 0;
  CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
  CHECK(errno == ECHILD);
}

}  // namespace

// Proves the keeper started with the engine serves every run of the slot.
TEST_CASE("a keeper started with the engine serves its slot's runs") {
  Sandbox sandbox(keepers_at_start());
  auto lease = sandbox.slots().acquire();
  std::vector<std::set<pid_t>> keepers;
  for (int i = 0; i < 2; ++i) {
    const RunResult result = lease->run(program_request("exit_code", {"0"}));
    INFO(describe(result));
    CHECK(result.status == RunStatus::kOk);
    keepers.push_back(keeper_pids());
  }
  CHECK(keepers[0].size() == 1);
  CHECK(keepers[1] == keepers[0]);
  expect_clean_slot(lease);
}

// Proves an engine whose cgroups cannot be made stops the keepers it started before it throws.
TEST_CASE("an engine that cannot make its cgroups leaves no keeper started for them") {
  SandboxConfig config = keepers_at_start();
  config.cgroup_parent = "/cgroup.procs";  // A file: no slot cgroup can be made under it.
  CHECK_THROWS_AS(Sandbox(config), SandboxError);
  CHECK(keeper_pids().empty());
}

// Proves a keeper runs nothing before its join message, which brings the slot's cgroup (and the
// network namespace of a keeper started in the engine's).
TEST_CASE("a keeper refuses a run that comes before its join message") {
  KeeperProcess started = start_slot_keeper(lone_slot(), /*network_later=*/true);
  keeper::RunOrder order;
  order.run_id = 1;
  order.argv = {"/bin/true"};
  wire::send_message(started.control.get(), keeper::encode(order), {0, 1, 2});
  CHECK_THAT(failure_reason(started.control.get()), Catch::Contains("expected the join message"));
  started.control.reset();
  reap_box_keeper(started.pid, 2000);
}

// Proves a keeper whose engine has gone (closed its end, as an exiting caller does) leaves
// quietly: what it would have sent has nobody to read it, so it is no error to print.
TEST_CASE("a keeper whose engine has gone says nothing on its way out") {
  UniqueFd keeper_stderr;
  KeeperProcess started = start_lone_keeper_into(keeper_stderr);
  // A run before the join: the keeper's answer is a failure, which finds the socket closed.
  keeper::RunOrder order;
  order.run_id = 1;
  order.argv = {"/bin/true"};
  wire::send_message(started.control.get(), keeper::encode(order), {0, 1, 2});
  started.control.reset();
  reap_box_keeper(started.pid, 2000);
  CHECK(printed(keeper_stderr.get()).empty());
}

// Proves the command line's keeper, cloned in the engine's network namespace, runs in another
// one and keeps no descriptor of a network namespace, and that making that namespace moved no
// thread of the engine out of its own, the caller's or another (nor left a thread of the keeper in
// it); so does the service's keeper, started on the first run with a network namespace of its own.
TEST_CASE("a keeper runs outside the engine's network namespace, which no engine thread leaves") {
  SandboxConfig config;
  SECTION("started with the engine") {
    config = keepers_at_start();
  }
  SECTION("started on the first run") {}
  std::promise<void> finished;
  std::thread bystander([done = finished.get_future()] { done.wait(); });
  // A failed REQUIRE below must end the test as a failure, not abort it with a joinable thread.
  struct JoinAtExit {
    std::promise<void>& finished;
    std::thread& thread;
    ~JoinAtExit() {
      if (!thread.joinable()) return;
      finished.set_value();
      thread.join();
    }
  } join_at_exit{finished, bystander};
  const std::set<std::string> before = thread_namespaces();
  REQUIRE(before.size() == 1);
  {
    Sandbox sandbox(config);
    auto lease = sandbox.slots().acquire();
    const RunResult result = lease->run(program_request("exit_code", {"0"}));
    INFO(describe(result));
    CHECK(result.status == RunStatus::kOk);
    const std::set<pid_t> keepers = keeper_pids();
    REQUIRE(keepers.size() == 1);
    const pid_t keeper = *keepers.begin();
    CHECK(thread_namespaces("/proc/" + std::to_string(keeper)).count(*before.begin()) == 0);
    for (const auto& target : descriptor_targets(keeper)) CHECK_THAT(target, !StartsWith("net:["));
  }
  CHECK(thread_namespaces() == before);
}

// Proves a keeper whose exec fails (its helper path is a directory) makes the command line's
// engine fail, after CLONE_VFORK has let it go on, and that the engine reaps it: no process of
// it is left.
TEST_CASE("a keeper that cannot execute is an error and leaves no process behind") {
  SandboxConfig config = keepers_at_start();
  config.helper_path = "/";
  const std::string failure = first_run_failure(config);
  CHECK_FALSE(failure.empty());
  expect_no_child_left();
}

// Proves a keeper answers ready only after a join message it can carry out: each bad one is
// its failure, named, and no program could run in the engine's network namespace.
TEST_CASE("a keeper refuses a join message it cannot carry out") {
  std::vector<std::string> paths;
  std::string why = "enter the network namespace";
  SECTION("the engine's own network namespace") {
    paths = {"/proc/self/ns/net", "/dev/null"};
    why = "the one the keeper started in";
  }
  SECTION("a namespace of another type") {
    paths = {"/proc/self/ns/uts", "/dev/null"};
  }
  SECTION("a file that is no namespace") {
    paths = {"/dev/null", "/dev/null"};
  }
  SECTION("a namespace but no cgroup file") {
    paths = {"/proc/self/ns/uts"};
    why = "carries no cgroup file";
  }
  KeeperProcess started = start_slot_keeper(lone_slot(), /*network_later=*/true);
  std::vector<UniqueFd> fds;
  std::vector<int> sent;
  for (const auto& path : paths) {
    fds.push_back(open_fd(path, O_RDONLY));
    sent.push_back(fds.back().get());
  }
  wire::send_message(started.control.get(), keeper::encode(keeper::JoinOrder{true}), sent);
  CHECK_THAT(failure_reason(started.control.get()), Catch::Contains(why));
  started.control.reset();
  reap_box_keeper(started.pid, 2000);
}

// Proves a keeper whose engine goes away before the join message (a caller killed while its
// cgroups are made) exits by itself instead of waiting in the engine's network namespace.
TEST_CASE("a keeper whose engine closes before the join message exits") {
  KeeperProcess started = start_slot_keeper(lone_slot(), /*network_later=*/true);
  started.control.reset();
  int status = 0;
  REQUIRE(::waitpid(started.pid, &status, 0) == started.pid);
  CHECK(WIFEXITED(status));
}

// Proves the join message counts once: a second one after ready, even one bringing the engine's
// own network namespace, moves the keeper nowhere (the keeper answers a run sent after it, so
// it has read it by then).
TEST_CASE("a keeper ignores a join message after its first") {
  KeeperProcess started = start_slot_keeper(lone_slot(), /*network_later=*/true);
  const UniqueFd fresh = fresh_network_namespace();
  const UniqueFd null = open_fd("/dev/null", O_RDWR);
  wire::send_message(started.control.get(), keeper::encode(keeper::JoinOrder{true}),
                     {fresh.get(), null.get()});
  auto ready = wire::receive_message(started.control.get());
  REQUIRE(ready);
  wire::Reader ready_reader(ready->body);
  keeper::decode_ready(ready_reader);
  const std::string keeper_dir = "/proc/" + std::to_string(started.pid);
  const std::string joined = network_namespace_of(keeper_dir);
  CHECK(joined != network_namespace_of("/proc/self"));

  const UniqueFd engine_network = open_fd("/proc/self/ns/net", O_RDONLY);
  wire::send_message(started.control.get(), keeper::encode(keeper::JoinOrder{true}),
                     {engine_network.get(), null.get()});
  keeper::RunOrder order;
  order.run_id = 1;
  order.argv = {"/nonexistent"};
  order.last_on_slot = true;
  wire::send_message(started.control.get(), keeper::encode(order),
                     {null.get(), null.get(), null.get()});
  REQUIRE(wire::receive_message(started.control.get()));
  CHECK(network_namespace_of(keeper_dir) == joined);
  started.control.reset();
  reap_box_keeper(started.pid, 2000);
}

// Proves the engine does not wait without end for a new keeper: one that never answers its
// setup (a shell script standing in for codearena-box) fails the run with the reason, within
// the start timeout, and is killed and reaped — with keepers started on the first run (the
// service) and at start (the command line).
TEST_CASE("a keeper that never says it is ready fails the run and is not waited for") {
  char dir_template[] = "/var/tmp/codearena-silent-keeper-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  const std::string script = dir + "/silent-keeper";
  {
    UniqueFd file(::open(script.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755));
    REQUIRE(file.valid());
    const std::string text = "#!/bin/sh\nexec /bin/sleep 600\n";
    REQUIRE(::write(file.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  SandboxConfig config;
  SECTION("keeper started on the first run") {}
  SECTION("keeper started with the engine") { config.keepers_at_start = true; }
  config.helper_path = script;
  config.check_at_start = false;
  config.keeper_start_timeout_ms = 300;
  const std::string failure = first_run_failure(config);
  CHECK_THAT(failure, Catch::Matchers::Contains("not ready within 300 ms"));
  expect_no_child_left();
  std::filesystem::remove_all(dir);
}

// Proves a keeper whose engine goes away while a program runs ends that program and exits
// quietly with status 0: the hang-up is no error, and no process of the run outlives it.
TEST_CASE("a keeper whose engine goes during a run ends the run and exits quietly") {
  UniqueFd keeper_stderr;
  KeeperProcess started = start_lone_keeper_into(keeper_stderr);
  const UniqueFd fresh = fresh_network_namespace();
  const UniqueFd null = open_fd("/dev/null", O_RDWR);
  wire::send_message(started.control.get(), keeper::encode(keeper::JoinOrder{true}),
                     {fresh.get(), null.get()});
  REQUIRE(wire::receive_message(started.control.get()));  // Ready.
  keeper::RunOrder order;
  order.run_id = 1;
  order.argv = {"/bin/sleep", "600"};
  const RunLimits limits;
  order.box_bytes = limits.box_bytes;
  order.tmp_bytes = limits.tmp_bytes;
  order.limits = codearena::sandbox::process_limits_for(limits);
  wire::send_message(started.control.get(), keeper::encode(order),
                     {null.get(), null.get(), null.get()});
  auto reply = wire::receive_message(started.control.get());
  REQUIRE(reply);
  wire::Reader reader(reply->body);
  REQUIRE(reader.type() == wire::Type::kStarted);
  const std::string run_namespace =
      std::filesystem::read_symlink("/proc/" + std::to_string(started.pid) + "/ns/pid");
  CHECK(processes_in(run_namespace).size() >= 2);  // The keeper and the program.
  started.control.reset();
  int status = 0;
  REQUIRE(::waitpid(started.pid, &status, 0) == started.pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(processes_in(run_namespace).empty());
  CHECK(printed(keeper_stderr.get()).empty());
}
