// The hostile battery: programs that attack the sandbox's limits and boundaries. Every test
// checks (a) the status the attack must end in (never internal_error), (b) that the host is
// untouched where the attack aims at it, and (c) that the next run on the same slot is clean.
#include <arpa/inet.h>
#include <linux/audit.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <sstream>

#include "sandbox/seccomp_policy.h"
#include "tests/sandbox/sandbox_test_support.h"

using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;
using codearena::sandbox::syscall_name;
using codearena::sandbox::syscall_number;
using namespace std::string_literals;

namespace {

// A socket of this process that a run must never reach: listening (TCP, abstract AF_UNIX) or
// bound (UDP). received_anything() polls it briefly after the run.
class HostSocket {
 public:
  HostSocket(int domain, int type) : fd_(::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) {
    REQUIRE(fd_ >= 0);
  }
  ~HostSocket() { ::close(fd_); }

  // Binds to 127.0.0.1 on a free port and returns the port.
  int bind_loopback() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t size = sizeof address;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0);
    return ntohs(address.sin_port);
  }

  void bind_abstract(const std::string& name) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path + 1, name.data(), name.size());
    const auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0);
  }

  void listen() { REQUIRE(::listen(fd_, 16) == 0); }

  bool received_anything() {
    pollfd watched{fd_, POLLIN, 0};
    return ::poll(&watched, 1, 200) != 0;
  }

 private:
  int fd_;
};

bool host_path_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// The number after "NAME=" or "NAME " in a program's report.
int64_t field(const std::string& text, const std::string& name) {
  auto at = text.find(name + "=");
  if (at == std::string::npos) at = text.find(name + " ");
  REQUIRE(at != std::string::npos);
  return std::stoll(text.substr(at + name.size() + 1));
}

// Runs a raw system call and checks the run ends as a violation naming `expected`.
void expect_blocked(SlotPool::Lease& lease, const std::string& expected,
                    std::vector<std::string> args) {
  const RunResult result = lease->run(program_request("raw_syscall", std::move(args)));
  INFO(expected << ": " << describe(result));
  CHECK(result.status == RunStatus::kSecurityViolation);
  CHECK(result.violation == expected);
  CHECK(result.stdout_data.empty());
}

// Runs `request` on the slot and requires it to end ok: what a test of the next run sets up.
RunResult run_ok(SlotPool::Lease& lease, const RunRequest& request) {
  const RunResult result = lease->run(request);
  INFO("set-up run: " << describe(result));
  REQUIRE(result.status == RunStatus::kOk);
  return result;
}

}  // namespace

// Proves the pids limit holds against a fork bomb: forks fail instead of succeeding, the bomb
// never shows more than 32 processes, the run ends normally, and every bomb process is gone
// afterwards.
TEST_CASE("hostile: fork bomb is held by the pids limit") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("fork_bomb");
  request.limits.pids = 32;
  request.limits.cpu_ms = 3000;
  request.limits.wall_ms = 5000;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  REQUIRE(result.status == RunStatus::kOk);
  CHECK(field(result.stdout_data, "failures") > 0);
  CHECK(field(result.stdout_data, "forks") < 32);
  CHECK(field(result.stdout_data, "procs") <= 32);
  CHECK(field(result.stdout_data, "procs") >= 2);
  expect_clean_slot(lease);
}

// Proves memory bombs end in memory_limit whichever way they allocate: heap chunks, one big
// mapping, or stack (with a stack limit above the memory limit, so the cgroup must stop it).
TEST_CASE("hostile: memory bombs on heap mmap and stack hit the memory limit") {
  auto lease = engine().slots().acquire();
  for (const char* mode : {"heap", "mmap", "stack"}) {
    RunRequest request = program_request("allocate", {mode, "1024"});
    request.limits.stack_bytes = 2LL << 30;
    const RunResult result = lease->run(request);
    INFO(mode << ": " << describe(result));
    CHECK(result.status == RunStatus::kMemoryLimit);
    CHECK(result.memory_kb <= 70 * 1024);
    CHECK(result.stdout_data.empty());
    expect_clean_slot(lease);
  }
}

// Proves a stack overflow at RLIMIT_STACK (8 MiB, well under the 64 MiB memory limit) is a plain
// SIGSEGV of the program and leaves the slot clean.
TEST_CASE("hostile: deep recursion under a small stack limit") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("allocate", {"stack", "1024"});
  request.limits.stack_bytes = 8LL << 20;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kSignaled);
  CHECK(result.signal == SIGSEGV);
  expect_clean_slot(lease);
}

// Proves CPU spread over 16 threads is summed and stopped at the limit, within a small margin.
TEST_CASE("hostile: CPU burn in 16 threads is stopped at the summed limit") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("spin_threads", {"16", "10000"});
  request.limits.cpu_cores = 2;
  request.limits.wall_ms = 10000;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kCpuTimeLimit);
  CHECK(result.cpu_ms >= 1000);
  CHECK(result.cpu_ms <= 1300);
  expect_clean_slot(lease);
}

// Proves a program sleeping forever is stopped by the wall clock.
TEST_CASE("hostile: sleeping forever is stopped by the wall limit") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("sleep", {"3600"});
  request.limits.wall_ms = 1000;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kWallTimeLimit);
  CHECK(result.wall_ms < 1500);
  expect_clean_slot(lease);
}

// Proves floods on either stream are cut at output_bytes and end the run.
TEST_CASE("hostile: stdout and stderr floods are cut at the output limit") {
  auto lease = engine().slots().acquire();
  for (const std::string stream : {"stdout", "stderr"}) {
    RunRequest request = program_request("flood", {stream});
    const RunResult result = lease->run(request);
    INFO(stream << ": " << describe(result));
    CHECK(result.status == RunStatus::kOutputLimit);
    const bool on_stdout = stream == "stdout";
    CHECK((on_stdout ? result.stdout_truncated : result.stderr_truncated));
    CHECK((on_stdout ? result.stdout_data : result.stderr_data).size() ==
          static_cast<size_t>(request.limits.output_bytes));
    CHECK((on_stdout ? result.stderr_data : result.stdout_data).empty());
    expect_clean_slot(lease);
  }
}

// Proves /box and /tmp are bounded: filling one stops with "no space" at its size, the run
// still ends normally, nothing lands on the host's /tmp, and the next run gets them empty.
TEST_CASE("hostile: filling /box and /tmp stops at their size") {
  auto lease = engine().slots().acquire();
  for (const std::string dir : {"/box", "/tmp"}) {
    RunRequest request = program_request("fill_disk", {dir});
    request.limits.box_bytes = 16LL << 20;
    request.limits.tmp_bytes = 16LL << 20;
    const RunResult result = lease->run(request);
    INFO(dir << ": " << describe(result));
    CHECK((result.status == RunStatus::kOk || result.status == RunStatus::kOutputLimit ||
           result.status == RunStatus::kRuntimeError));
    CHECK_THAT(result.stdout_data, Contains("No space left on device"));
    CHECK(field(result.stdout_data, "wrote") <= (16LL << 20));
    CHECK_FALSE(host_path_exists("/tmp/fill-0"));
    expect_clean_slot(lease);
  }
}

// Proves the next run of a slot finds a fresh /box and /tmp whatever the last run left there:
// files with odd modes, a directory closed with mode 000, a 200-deep tree, a FIFO, a bound
// socket, the roots' mode and times changed, files held open by a process that outlived the
// program, /tmp filled to the last byte. (Extended attributes are refused by the allowlist.)
TEST_CASE("hostile: the next run finds /box and /tmp fresh whatever the last run left") {
  auto lease = engine().slots().acquire();
  RunRequest leave = program_request("litter", {"leave"});
  leave.limits.tmp_bytes = 4LL << 20;
  REQUIRE(run_ok(lease, leave).stdout_data == "left\n");
  RunRequest inspect = program_request("litter", {"inspect"});
  inspect.limits.tmp_bytes = leave.limits.tmp_bytes;
  const RunResult found = lease->run(inspect);
  INFO("inspect: " << describe(found));
  CHECK(found.status == RunStatus::kOk);
  const auto lines = found.stdout_data;
  CHECK_THAT(lines, StartsWith("/box mode 755 old_times NO used "));
  CHECK_THAT(lines, EndsWith(" entries litter\n/tmp mode 755 old_times NO used 0 entries\n"));
  expect_clean_slot(lease);
}

// Proves a run's files are gone before the next run of the slot starts, although the keeper
// replaces /box and /tmp only after it has reported the run's end: 40 MiB written to /box (or
// /tmp) are charged to the slot's memory, and a run that then touches 48 MiB of its 64 MiB
// still ends ok.
TEST_CASE("hostile: a full /box does not weigh on the next run") {
  auto lease = engine().slots().acquire();
  for (const std::string dir : {"/box", "/tmp"}) {
    RunRequest filler = program_request("fill_disk", {dir});
    filler.limits.box_bytes = 40LL << 20;
    filler.limits.tmp_bytes = filler.limits.box_bytes;
    REQUIRE(field(run_ok(lease, filler).stdout_data, "wrote") >= (39LL << 20));
    RunRequest next = program_request("allocate", {"heap", "48"});
    next.limits = filler.limits;
    const RunResult result = lease->run(next);
    INFO(dir << " filled, next run: " << describe(result));
    CHECK(result.status == RunStatus::kOk);
    CHECK(result.memory_kb >= 48 * 1024);
    expect_clean_slot(lease);
  }
}

// Proves each run has /box and /tmp mounts of its own, one at each: the keeper makes the next
// pair while a run goes on. A used pair holding files is unmounted before the next run is
// taken, together (the used /tmp moved onto a directory of the used /box) or one by one when
// the run took that directory's name; an empty one is replaced after the keeper's ready
// message, before it reads the next order.
TEST_CASE("hostile: each run has /box and /tmp mounts of its own, one at each") {
  auto lease = engine().slots().acquire();
  RunRequest show = program_request("spin");
  show.files.clear();  // A run given no file and writing none leaves an empty pair.
  const std::string list_mounts =
      "grep -E '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ /(box|tmp) ' /proc/self/mountinfo | cut -d' ' -f1,5";
  std::string last;
  // The first, fourth and sixth runs take the name (with files in both; the sixth with a
  // symlink to /tmp, which the unmount must not follow), the others leave nothing.
  for (const std::string take_name : {"; mkdir -p .codearena-used-tmp/x; echo left > /tmp/left",
                                      "", "", "; mkdir .codearena-used-tmp", "",
                                      "; ln -s /tmp .codearena-used-tmp; echo left > /tmp/left",
                                      ""}) {
    show.argv = {"/bin/sh", "-c", list_mounts + take_name};
    const auto mounts = run_ok(lease, show).stdout_data;
    INFO(mounts << "after the mounts" << last);
    std::istringstream lines(mounts);
    std::string box_id, box, tmp_id, tmp;
    lines >> box_id >> box >> tmp_id >> tmp;
    CHECK((box == "/box" && tmp == "/tmp"));
    CHECK(std::count(mounts.begin(), mounts.end(), '\n') == 2);
    CHECK(last.find(" " + box_id + " ") == std::string::npos);
    CHECK(last.find(" " + tmp_id + " ") == std::string::npos);
    last = " " + box_id + " " + tmp_id + " ";
  }
  expect_clean_slot(lease);
}

// Proves System V IPC objects a run leaves behind do not weigh on the next run: shared memory
// and queued messages stay charged to the slot's memory until the objects are destroyed, and a
// namespace dropped between runs is freed only later, by a kernel worker. Repeated, as that
// worker would lose a race only now and then.
TEST_CASE("hostile: System V IPC memory left by a run does not weigh on the next run") {
  auto lease = engine().slots().acquire();
  for (const std::string kind : {"shm", "msg"}) {
    for (int round = 0; round < 5; ++round) {
      INFO(kind << " round " << round);
      const RunResult left = lease->run(program_request("ipc_hold", {kind, "40"}));
      INFO("left: " << describe(left));
      REQUIRE(left.stdout_data == "held 40 MiB\n");
      const RunResult result = lease->run(program_request("allocate", {"heap", "48"}));
      INFO("next run: " << describe(result));
      CHECK(result.status == RunStatus::kOk);
    }
  }
  expect_clean_slot(lease);
}

// Proves filling /box when it is as large as the memory limit (tmpfs pages are charged to the
// run's memory) ends either in "no space" or in memory_limit, never harming the slot.
TEST_CASE("hostile: filling a /box as large as the memory limit") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("fill_disk", {"/box"});
  request.limits.box_bytes = request.limits.memory_bytes;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  CHECK((result.status == RunStatus::kOk || result.status == RunStatus::kMemoryLimit));
  CHECK(result.memory_kb <= request.limits.memory_bytes / 1024 + 1024);
  expect_clean_slot(lease);
}

// Proves RLIMIT_NOFILE stops a program opening thousands of files.
TEST_CASE("hostile: opening thousands of files stops at open_files") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("open_files");
  request.limits.open_files = 64;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK_THAT(result.stdout_data, Contains("error=EMFILE"));
  CHECK(field(result.stdout_data, "opened") <= 64);
  CHECK(field(result.stdout_data, "opened") >= 50);
  expect_clean_slot(lease);
}

// Proves TCP is out of reach: creating the socket is a violation named "socket", and a port
// this process listens on at 127.0.0.1 sees no connection.
TEST_CASE("hostile: TCP connect to a host port is a violation") {
  HostSocket listener(AF_INET, SOCK_STREAM);
  const int port = listener.bind_loopback();
  listener.listen();
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(program_request("net", {"tcp", std::to_string(port)}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kSecurityViolation);
  CHECK(result.violation == "socket");
  CHECK_FALSE(listener.received_anything());
  expect_clean_slot(lease);
}

// Proves the refusing policy (for runtimes that probe IPv6 support) still keeps the network out
// of reach: socket() fails with EACCES, the program goes on, and the listener sees nothing.
TEST_CASE("hostile: with refused network calls, TCP connect fails quietly") {
  HostSocket listener(AF_INET, SOCK_STREAM);
  const int port = listener.bind_loopback();
  listener.listen();
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("net", {"tcp", std::to_string(port)});
  request.network_calls = NetworkCalls::kRefuse;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK_THAT(result.stdout_data, Contains("Permission denied"));
  CHECK_FALSE(listener.received_anything());
  expect_clean_slot(lease);
}

// Proves UDP is out of reach the same way: no datagram arrives at a bound host port.
TEST_CASE("hostile: UDP send to a host port is a violation") {
  HostSocket receiver(AF_INET, SOCK_DGRAM);
  const int port = receiver.bind_loopback();
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(program_request("net", {"udp", std::to_string(port)}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kSecurityViolation);
  CHECK(result.violation == "socket");
  CHECK_FALSE(receiver.received_anything());
  expect_clean_slot(lease);
}

namespace {

void expect_host_abstract_socket_unreachable(SlotPool::Lease& lease) {
  const std::string name = "codearena-test-" + std::to_string(::getpid());
  HostSocket listener(AF_UNIX, SOCK_STREAM);
  listener.bind_abstract(name);
  listener.listen();
  const RunResult result = lease->run(program_request("net", {"unix", name}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK_THAT(result.stdout_data, Contains("connected failed"));
  CHECK_FALSE(listener.received_anything());
  expect_clean_slot(lease);
}

}  // namespace

// Proves the allowed AF_UNIX sockets stay in the box: an abstract socket of the host (abstract
// names belong to the network namespace) cannot be connected to.
TEST_CASE("hostile: a host abstract unix socket is unreachable") {
  auto lease = engine().slots().acquire();
  expect_host_abstract_socket_unreachable(lease);
}

// The same for a keeper started with the engine (the command line's): it is cloned in the
// engine's network namespace and enters the one the engine made before anything runs.
TEST_CASE("hostile: a host abstract unix socket is unreachable when the keeper starts first") {
  codearena::sandbox::SandboxConfig config;
  config.keepers_at_start = true;
  Sandbox sandbox(config);
  auto lease = sandbox.slots().acquire();
  expect_host_abstract_socket_unreachable(lease);
}

// Proves the host's /etc/shadow cannot be read by any path, and none of it leaks to the output.
TEST_CASE("hostile: reading /etc/shadow fails") {
  const std::string shadow = read_host_file("/etc/shadow");
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(
      program_request("read_file", {"/etc/shadow", "/etc/gshadow", "/proc/1/root/etc/shadow",
                                    "/proc/self/root/etc/shadow", "/../../etc/shadow"}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK_THAT(result.stderr_data, StartsWith("/etc/shadow: "));
  CHECK_THAT(result.stderr_data, Contains("\n/proc/1/root/etc/shadow: "));
  CHECK_THAT(result.stderr_data, Contains("\n/proc/self/root/etc/shadow: "));
  std::istringstream lines(shadow);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    INFO("host shadow line: " << line.substr(0, line.find(':')));
    CHECK(result.stdout_data.find(line) == std::string::npos);
    CHECK(result.stderr_data.find(line) == std::string::npos);
  }
  expect_clean_slot(lease);
}

// Proves no environment reaches the box from outside: /proc/1/environ (the keeper) cannot be
// read, and the secret planted in this process's environment appears nowhere, not even in the
// program's own environment.
TEST_CASE("hostile: reading /proc/1/environ fails and no host environment leaks") {
  auto lease = engine().slots().acquire();
  const char* planted = ::getenv("CODEARENA_TEST_SECRET");
  REQUIRE(planted != nullptr);
  REQUIRE(planted == planted_secret());
  const RunResult result = lease->run(
      program_request("read_file", {"/proc/1/environ", "/proc/1/cmdline", "/proc/self/environ"}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK_THAT(result.stderr_data, Contains("/proc/1/environ: "));
  CHECK_THAT(result.stdout_data, Contains("HOME=/box"));  // Its own environment is readable.
  CHECK(result.stdout_data.find(planted_secret()) == std::string::npos);
  CHECK(result.stdout_data.find("CODEARENA_TEST_SECRET") == std::string::npos);
  CHECK(result.stderr_data.find(planted_secret()) == std::string::npos);
  expect_clean_slot(lease);
}

// Proves the root is read-only: no file can be created in /, /usr, /etc, /dev and the like,
// no system file opened for writing, and none of the attempted names exists on the host.
TEST_CASE("hostile: writing outside /box fails everywhere") {
  const std::string name = "codearena-escape-" + std::to_string(::getpid());
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(program_request("write_outside", {name}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK_THAT(result.stdout_data, Contains("/usr/" + name + ": "));
  CHECK(result.stdout_data.find("WROTE") == std::string::npos);
  CHECK(result.stdout_data.find("OPENED") == std::string::npos);
  for (const std::string dir :
       {"", "/usr", "/usr/bin", "/etc", "/dev", "/bin", "/lib", "/run", "/var", "/root", "/home"}) {
    const auto path = dir + "/" + name;
    CHECK_FALSE(host_path_exists(path));
    ::unlink(path.c_str());
    ::rmdir(path.c_str());
  }
  expect_clean_slot(lease);
}

// Proves kill(-1, SIGKILL) reaches only the run: a host process running as the slot's own uid
// and this test survive, and the slot's keeper is the same process afterwards.
TEST_CASE("hostile: kill(-1 SIGKILL) reaches nothing outside the run") {
  auto lease = engine().slots().acquire();
  Canary canary(lease->uid());
  REQUIRE(lease->run(program_request("exit_code", {"0"})).status == RunStatus::kOk);
  const auto keepers = keeper_pids();
  REQUIRE(keepers.size() == 1);
  const RunResult result = lease->run(program_request("kill_others", {"all"}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.stdout_data == "kill(-1) = 0 (ok)\nchild: signal 9\nsurvived\n");
  CHECK(canary.alive());
  CHECK(keeper_pids() == keepers);
  expect_clean_slot(lease);
}

// Proves the keeper (PID 1 of the box) cannot be killed from inside, so the slot keeps working
// without a restart.
TEST_CASE("hostile: kill(1 SIGKILL) cannot kill the box keeper") {
  auto lease = engine().slots().acquire();
  REQUIRE(lease->run(program_request("exit_code", {"0"})).status == RunStatus::kOk);
  const auto keepers = keeper_pids();
  REQUIRE(keepers.size() == 1);
  const RunResult result = lease->run(program_request("kill_others", {"init"}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK_THAT(result.stdout_data, Contains("kill(1) = -1"));
  CHECK(keeper_pids() == keepers);
  expect_clean_slot(lease);
  CHECK(keeper_pids() == keepers);
}

// Proves the calls that reach outside the box are stopped and named: debugging, mounts,
// namespaces, keyrings, BPF, perf, io_uring, userfaultfd, and clone into a new user namespace.
TEST_CASE("hostile: dangerous system calls are violations named after the call") {
  struct Case {
    const char* name;
    std::vector<std::string> args;
  };
  const Case cases[] = {
      {"ptrace", {std::to_string(SYS_ptrace), "16", "1"}},
      {"mount", {std::to_string(SYS_mount)}},
      {"unshare", {std::to_string(SYS_unshare), "0x10000000"}},
      {"keyctl", {std::to_string(SYS_keyctl), "0", "-3"}},
      {"bpf", {std::to_string(SYS_bpf), "5"}},
      {"perf_event_open", {std::to_string(SYS_perf_event_open), "0", "0", "-1", "-1"}},
      {"io_uring_setup", {std::to_string(SYS_io_uring_setup), "1"}},
      {"userfaultfd", {std::to_string(SYS_userfaultfd)}},
      {"clone", {std::to_string(SYS_clone), std::to_string(CLONE_NEWUSER | SIGCHLD)}},
  };
  auto lease = engine().slots().acquire();
  for (const auto& entry : cases) expect_blocked(lease, entry.name, entry.args);
  expect_clean_slot(lease);
}

// Proves clone into any new namespace is stopped, whichever namespace flag is used.
TEST_CASE("hostile: clone with any namespace flag is a violation") {
  auto lease = engine().slots().acquire();
  for (const int flag : {CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
                         CLONE_NEWNET, CLONE_NEWCGROUP}) {
    expect_blocked(lease, "clone", {std::to_string(SYS_clone), std::to_string(flag | SIGCHLD)});
  }
  expect_clean_slot(lease);
}

// Proves the calls stopped only for some arguments: device nodes, personality changes and
// non-AF_UNIX sockets are violations, while a FIFO node and a personality query are allowed and
// clone3 fails with ENOSYS (so the C library falls back to the clone the filter can inspect).
TEST_CASE("hostile: calls stopped by their arguments") {
  auto lease = engine().slots().acquire();
  expect_blocked(lease, "mknod", {std::to_string(SYS_mknod), "0", "0x21b6", "0x103"});
  expect_blocked(lease, "mknodat", {std::to_string(SYS_mknodat), "-100", "0", "0x61b6"});
  expect_blocked(lease, "personality", {std::to_string(SYS_personality), "0x8"});
  expect_blocked(lease, "socket", {std::to_string(SYS_socket), "16", "3"});  // AF_NETLINK
  expect_blocked(lease, "socket", {std::to_string(SYS_socket), "10", "1"});  // AF_INET6
  const std::vector<std::string> allowed[] = {
      {"fifo", std::to_string(SYS_mknodat), "-100", "0", "0x11b6"},  // EFAULT, not stopped
      {"query", std::to_string(SYS_personality), "0xffffffff"},
      {"unix", std::to_string(SYS_socket), "1", "1"},
  };
  for (const auto& call : allowed) {
    const RunResult result =
        lease->run(program_request("raw_syscall", {call.begin() + 1, call.end()}));
    INFO(call[0] << ": " << describe(result));
    CHECK(result.status == RunStatus::kOk);
  }
  const RunResult clone3 = lease->run(program_request("raw_syscall", {std::to_string(SYS_clone3)}));
  INFO("clone3: " << describe(clone3));
  CHECK(clone3.status == RunStatus::kOk);
  CHECK_THAT(clone3.stdout_data, Contains("returned -1 (Function not implemented)"));
  expect_clean_slot(lease);
}

// Proves the program runs with the slot's unprivileged identity: its uid and gid, no
// supplementary groups, every capability set empty, no_new_privs, a seccomp filter, a session
// of its own, and exactly the fixed environment.
TEST_CASE("hostile: the program runs unprivileged") {
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(
      program_request("read_file", {"/proc/self/stat", "/proc/self/status", "/proc/self/environ"}));
  INFO(describe(result));
  REQUIRE(result.status == RunStatus::kOk);
  const auto id = std::to_string(lease->uid());
  const auto& status = result.stdout_data;
  CHECK_THAT(status, Contains("\nUid:\t" + id + "\t" + id + "\t" + id + "\t" + id + "\n"));
  CHECK_THAT(status, Contains("\nGid:\t" + id + "\t" + id + "\t" + id + "\t" + id + "\n"));
  const auto groups_at = status.find("\nGroups:");
  REQUIRE(groups_at != std::string::npos);
  const auto groups =
      status.substr(groups_at + 8, status.find('\n', groups_at + 1) - groups_at - 8);
  CHECK(groups.find_first_of("0123456789") == std::string::npos);
  for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
    CHECK_THAT(status, Contains(std::string("\n") + set + ":\t0000000000000000\n"));
  }
  CHECK_THAT(status, Contains("\nNoNewPrivs:\t1\n"));
  CHECK_THAT(status, Contains("\nSeccomp:\t2\n"));
  // /proc/self/stat: "pid (comm) state ppid pgrp session ...".
  std::istringstream stat(status.substr(0, status.find('\n')));
  std::string pid, comm, state, ppid, pgrp, session;
  stat >> pid >> comm >> state >> ppid >> pgrp >> session;
  CHECK(session == pid);
  CHECK(pgrp == pid);
  const auto environ_at = status.find("PATH=");
  REQUIRE(environ_at != std::string::npos);
  CHECK(status.substr(environ_at) ==
        "PATH=/usr/local/bin:/usr/bin:/bin\0HOME=/box\0LANG=C.UTF-8\0TMPDIR=/tmp\0"s);
  expect_clean_slot(lease);
}

// Proves the allowlist fails closed: calls not on it are stopped before they run and named,
// whether libseccomp knows them (AIO, io_uring, keyrings, mounts, ...) or not (calls newer than
// its table, such as open_tree_attr 467, statmount 457, listmount 458, file_getattr 468 and
// file_setattr 469, and a number beyond any table).
TEST_CASE("hostile: calls not on the allowlist are stopped, known to libseccomp or not") {
  auto lease = engine().slots().acquire();
  for (const char* name :
       {"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "pidfd_open",
        "process_madvise", "kcmp", "mount", "umount2", "pivot_root", "chroot", "unshare", "setns",
        "fsopen", "fsmount", "move_mount", "open_tree", "mount_setattr", "kexec_load",
        "init_module", "finit_module", "delete_module", "bpf", "perf_event_open", "userfaultfd",
        "keyctl", "add_key", "request_key", "io_setup", "io_submit", "io_uring_setup",
        "io_uring_enter", "io_uring_register", "reboot", "swapon", "acct", "settimeofday",
        "clock_settime", "adjtimex", "open_by_handle_at", "name_to_handle_at", "quotactl",
        "syslog", "iopl", "ioperm", "modify_ldt", "fanotify_init", "inotify_init1", "mq_open",
        "memfd_secret", "seccomp", "sethostname", "setuid", "chown"}) {
    expect_blocked(lease, name, {std::to_string(syscall_number(name))});
  }
  for (const int number : {457, 458, 467, 468, 469, 1000}) {
    expect_blocked(lease, syscall_name(AUDIT_ARCH_X86_64, number), {std::to_string(number)});
  }
  expect_clean_slot(lease);
}

// Proves the other system-call ABIs cannot be used to slip past the filter's call numbers: a
// write to stdout made through x32 or i386 never runs, and the run does not end well. The
// filter kills x32 and i386 calls (security_violation); a kernel without IA32 emulation already
// refuses int $0x80 with SIGSEGV, before the filter sees it.
TEST_CASE("hostile: x32 and i386 system calls do not run") {
  auto lease = engine().slots().acquire();
  for (const char* abi : {"x32", "i386"}) {
    const RunResult result = lease->run(program_request("foreign_abi", {abi}));
    INFO(abi << ": " << describe(result));
    CHECK((result.status == RunStatus::kSecurityViolation ||
           result.status == RunStatus::kSignaled));
    CHECK(result.stdout_data.empty());
    expect_clean_slot(lease);
  }
}

// Proves collection only hands back regular files of /box: a symlink to a host file is
// refused (and the host file untouched), and a FIFO is refused without hanging the run.
TEST_CASE("hostile: planted symlink and FIFO are not collected") {
  const std::string passwd = read_host_file("/etc/passwd");
  REQUIRE_FALSE(passwd.empty());
  auto lease = engine().slots().acquire();
  const std::vector<std::string> plants[] = {{"symlink", "result", "/etc/passwd"},
                                             {"symlink", "result", "../etc/passwd"},
                                             {"fifo", "result"}};
  for (const auto& plant : plants) {
    RunRequest request = program_request("plant", plant);
    request.collect = {"result"};
    const RunResult result = lease->run(request);
    INFO(plant[0] << " " << plant.back() << ": " << describe(result));
    CHECK(result.status == RunStatus::kOk);
    CHECK(result.collected.empty());
    CHECK_THAT(result.message, Contains("result: not a regular file"));
    CHECK(result.wall_ms < 1000);
    expect_clean_slot(lease);
  }
  CHECK(read_host_file("/etc/passwd") == passwd);
}

// Proves a daemon (double fork and setsid) dies with the run: the cgroup is empty at once and
// the next run on the slot sees no other process and nothing it could have left in /tmp.
TEST_CASE("hostile: a daemonized grandchild does not outlive the run") {
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(program_request("daemon"));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.stdout_data == "daemon started\n");
  CHECK(!lease->cgroup().holds_processes());
  expect_clean_slot(lease);
  ::usleep(1'100'000);  // Past the daemon's first wake-up, had it survived.
  expect_clean_slot(lease);
}

// Proves System V IPC objects, which outlive their creator, do not reach the next run.
TEST_CASE("hostile: System V IPC objects do not survive the run") {
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(program_request("sysv_ipc"));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.stdout_data.find("-1") == std::string::npos);
  expect_clean_slot(lease);
}
