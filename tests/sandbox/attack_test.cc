// Attacks on the sandbox's boundaries, each aimed at one of its invariants: a program reaches
// neither the keeper nor the engine; nothing a box leaves behind is trusted or breaks the engine;
// a call the filter stops does not succeed; a run sees nothing of the host, of other slots or of
// earlier runs, and affects none of them. Every test checks the invariant itself (the keeper is
// the same process, the host or the next run is unaffected, the call did not do its work), not
// the way one kernel refuses.
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <sstream>
#include <thread>

#include "sandbox/cgroup.h"
#include "sandbox/fs_util.h"
#include "sandbox/seccomp_policy.h"
#include "tests/sandbox/sandbox_test_support.h"

using Catch::Matchers::Contains;
using codearena::sandbox::default_read_only_binds;
using codearena::sandbox::make_dirs;
using codearena::sandbox::SandboxConfig;
using codearena::sandbox::write_text_file_create;

namespace {

// A file every slot sees read-only at the same path as the host, through the /usr bind.
constexpr const char* kSharedFile = "/usr/bin/env";

// The uid of the test engine's only slot (SandboxConfig::first_uid).
constexpr uid_t kSlotUid = 61000;

// The number of threads of the host process `pid`.
size_t thread_count(pid_t pid) {
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  return std::distance(std::filesystem::directory_iterator(tasks),
                       std::filesystem::directory_iterator());
}

// True when a process of the host running as `uid` passes `test` (given its /proc directory).
bool uid_has_process(uid_t uid, const std::function<bool(const std::string&)>& test) {
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return false;
  bool found = false;
  const std::string owner = "\nUid:\t" + std::to_string(uid) + "\t";
  for (dirent* entry; !found && (entry = ::readdir(proc)) != nullptr;) {
    const std::string pid = entry->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string dir = "/proc/" + pid;
    if (read_host_file(dir + "/status").find(owner) == std::string::npos) continue;
    found = test(dir);
  }
  ::closedir(proc);
  return found;
}

// True when a process of the host running as `uid` holds an inotify instance.
bool uid_holds_inotify(uid_t uid) {
  return uid_has_process(uid, [](const std::string& dir) {
    DIR* fds = ::opendir((dir + "/fd").c_str());
    if (fds == nullptr) return false;
    bool found = false;
    for (dirent* fd; !found && (fd = ::readdir(fds)) != nullptr;) {
      char target[64];
      const auto link = dir + "/fd/" + fd->d_name;
      const ssize_t n = ::readlink(link.c_str(), target, sizeof target);
      found = n > 0 && std::string(target, static_cast<size_t>(n)) == "anon_inode:inotify";
    }
    ::closedir(fds);
    return found;
  });
}

// True when a process of the host running as `uid` is named `comm` (prctl PR_SET_NAME).
bool uid_runs_named(uid_t uid, const std::string& comm) {
  return uid_has_process(uid, [&](const std::string& dir) {
    return read_host_file(dir + "/comm") == comm + "\n";
  });
}

// True when a process of the host running as `uid` waits in futex(2).
bool uid_waits_in_futex(uid_t uid) {
  const std::string futex_call = std::to_string(SYS_futex) + " ";
  return uid_has_process(uid, [&](const std::string& dir) {
    return read_host_file(dir + "/syscall").rfind(futex_call, 0) == 0;
  });
}

// Pages of `path` in the host's page cache, and all of its pages.
std::pair<size_t, size_t> cached_pages(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || st.st_size == 0) return {0, 0};
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  const size_t pages = (static_cast<size_t>(st.st_size) + page - 1) / page;
  void* mapped = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) return {0, pages};
  std::vector<unsigned char> resident(pages);
  size_t cached = 0;
  if (::mincore(mapped, static_cast<size_t>(st.st_size), resident.data()) == 0) {
    for (const unsigned char flags : resident) cached += flags & 1;
  }
  ::munmap(mapped, static_cast<size_t>(st.st_size));
  return {cached, pages};
}

// Requests that collect every "*.class" file the program leaves in /box.
RunRequest collecting(const std::string& name, std::vector<std::string> args) {
  RunRequest request = program_request(name, std::move(args));
  request.collect = {"*.class"};
  request.limits.cpu_ms = 5000;
  return request;
}

// Drops from the page cache, on the host, the first `mib` MiB of /usr/lib files in the order the
// page_cache test program reads them, so that its reads are charged to the slot it runs on.
void evict_like_page_cache(long mib) {
  long left = mib << 20;
  std::function<void(const std::string&)> walk = [&](const std::string& dir) {
    DIR* listing = ::opendir(dir.c_str());
    if (listing == nullptr) return;
    for (dirent* entry; left > 0 && (entry = ::readdir(listing)) != nullptr;) {
      if (entry->d_name[0] == '.') continue;
      const std::string path = dir + "/" + entry->d_name;
      struct stat st;
      if (::lstat(path.c_str(), &st) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        walk(path);
      } else if (S_ISREG(st.st_mode)) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        ::close(fd);
        left -= st.st_size;
      }
    }
    ::closedir(listing);
  };
  walk("/usr/lib");
}

// Runs test program `name`, which watches the shared file's directory, reads the shared file on
// the host once `armed()` says the program watches, and checks the program saw nothing ("saw "
// in its output): it ends refused, or at its wall limit.
template <typename Armed>
void expect_host_read_unseen(const std::string& name, Armed armed) {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request(name);
  request.limits.wall_ms = 2000;
  auto run = std::async(std::launch::async, [&] { return lease->run(request); });
  bool host_acted = false;
  while (run.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
    if (host_acted || !armed()) continue;
    const int fd = ::open(kSharedFile, O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    char byte;
    REQUIRE(::read(fd, &byte, 1) == 1);
    ::close(fd);
    host_acted = true;
  }
  const RunResult result = run.get();
  INFO("host read " << kSharedFile << ": " << host_acted << "; " << describe(result));
  CHECK(result.stdout_data.find("saw ") == std::string::npos);
  CHECK((refused(result) || result.status == RunStatus::kWallTimeLimit));
  expect_clean_slot(lease);
}

// True while the main thread of keeper `pid` waits for what a run left to be freed: it sleeps
// (nanosleep, clock_nanosleep) or polls one descriptor with a timeout, which it does nowhere
// else while it serves runs (its own wait for a run polls two, without a timeout).
bool keeper_awaits_release(pid_t pid) {
  std::istringstream call(read_host_file("/proc/" + std::to_string(pid) + "/syscall"));
  long number = -1;
  std::string fds_arg, count_arg, timeout_arg;
  if (!(call >> number >> fds_arg >> count_arg >> timeout_arg)) return false;  // "running".
  if (number == SYS_nanosleep || number == SYS_clock_nanosleep) return true;
  return number == SYS_poll && count_arg == "0x1" && timeout_arg != "0xffffffffffffffff";
}

// Runs `planter` (a program that keeps 40 MiB charged to the slot in flight and says so) and, at
// once, a run touching 48 MiB of its 64 MiB, `rounds` times on one slot: each of those runs must
// end ok, so none found the planter's memory still charged.
void expect_in_flight_memory_released(const std::string& planter, int rounds) {
  auto lease = engine().slots().acquire();
  for (int round = 0; round < rounds; ++round) {
    const RunResult planted = lease->run(program_request(planter, {"40"}));
    INFO("round " << round << ", planter: " << describe(planted));
    REQUIRE(planted.status == RunStatus::kOk);
    REQUIRE(planted.stdout_data == "planted 40 MiB\n");
    const RunResult victim = lease->run(program_request("allocate", {"heap", "48"}));
    INFO("victim: " << describe(victim));
    CHECK(victim.status == RunStatus::kOk);
  }
  expect_clean_slot(lease);
}

// Through either spawning thread in turn: runs `plant` (an inflight_sockets planter, which must
// end ok and say what it planted), then at once `victim`, which must end ok; after each, the
// keeper must be the same process and the slot clean.
void expect_sockets_in_flight_released(RunRequest plant, RunRequest victim) {
  auto lease = engine().slots().acquire();
  REQUIRE(lease->run(program_request("exit_code", {"0"})).status == RunStatus::kOk);
  const auto keepers = keeper_pids();
  for (const NetworkCalls calls : {NetworkCalls::kViolation, NetworkCalls::kRefuse}) {
    plant.network_calls = victim.network_calls = calls;
    const RunResult planter = lease->run(plant);
    INFO("through filter " << static_cast<int>(calls) << ", planter: " << describe(planter));
    REQUIRE(planter.status == RunStatus::kOk);
    REQUIRE(planter.stdout_data.rfind("planted ", 0) == 0);
    const RunResult victim_result = lease->run(victim);
    INFO("victim: " << describe(victim_result));
    CHECK(victim_result.status == RunStatus::kOk);
    CHECK(keeper_pids() == keepers);
    expect_clean_slot(lease);
  }
}

}  // namespace

// Proves no way from a program reaches the slot's keeper: signals (kill, sigqueue, tgkill,
// pidfd_send_signal), its descriptors (pidfd_getfd, /proc/1/fd), its namespaces (pidfd ioctl),
// its memory (ptrace, process_vm_readv, /proc/1/mem), its root, limits and scheduling, an I/O
// signal (SIGKILL through F_SETOWN and F_SETSIG). Each
// attempt is refused or stopped, the keeper is the same process afterwards and the slot clean.
TEST_CASE("attack: no way from a program reaches the keeper") {
  auto lease = engine().slots().acquire();
  REQUIRE(lease->run(program_request("exit_code", {"0"})).status == RunStatus::kOk);
  const auto keepers = keeper_pids();
  REQUIRE(keepers.size() == 1);
  for (const auto& way : kWaysToTheKeeper) {
    const RunResult result = lease->run(program_request("reach_keeper", {way}));
    INFO(way << ": " << describe(result));
    CHECK(refused(result));
    CHECK(keeper_pids() == keepers);
  }
  expect_clean_slot(lease);
  CHECK(keeper_pids() == keepers);
}

// Proves a program can neither read nor wait on the CPU-time clock of process 1, the keeper (the
// kernel checks no permission for another process's CPU clock, and the keeper is in every run's
// PID namespace): the keeper's CPU time sums what its threads did for every earlier run of the
// slot (input files copied into /box, files handed back, runs started), so it would tell a
// program how many runs came before it and how large their files were. A run with a 16 MiB input
// comes first, as another user's would. clock_gettime, clock_getres and clock_nanosleep of the
// keeper's clock, also with bits above the clock id's low 32 set, are violations (before, the
// first printed the keeper's CPU time); the program's own clocks (its process and thread, by
// constant, by its pid and by thread id) and its child's still read; the thread clocks of the
// keeper's threads 2 to 4 are refused by the kernel.
TEST_CASE("attack: the keeper's CPU clock tells a program nothing of earlier runs") {
  auto lease = engine().slots().acquire();
  RunRequest earlier = program_request("exit_code", {"0"});
  earlier.files.push_back(InputFile{"input", std::string(16 << 20, 'x'), "", false});
  REQUIRE(lease->run(earlier).status == RunStatus::kOk);
  for (const char* way : {"gettime", "high", "getres", "nanosleep"}) {
    const RunResult result = lease->run(program_request("keeper_clock", {way}));
    INFO(way << ": " << describe(result));
    CHECK(result.status == RunStatus::kSecurityViolation);
    CHECK(result.stdout_data.find("keeper") == std::string::npos);
  }
  // The other threads of the keeper have no process clock, and the kernel refuses a thread clock
  // of another process: the filter lets these through, the kernel answers EINVAL.
  const RunResult threads = lease->run(program_request("keeper_clock", {"threads"}));
  INFO("threads: " << describe(threads));
  CHECK(threads.status == RunStatus::kOk);
  CHECK(threads.stdout_data.find("keeper thread cpu ") == std::string::npos);
  CHECK(threads.stdout_data.find("keeper thread as a process ") == std::string::npos);
  const RunResult own = lease->run(program_request("keeper_clock", {"own"}));
  INFO("own clocks: " << describe(own));
  CHECK(own.status == RunStatus::kOk);
  expect_clean_slot(lease);
}

// Proves no way from a program reaches the keeper's other threads, 2 to 4 of PID 1: the worker,
// which makes IPC namespaces, and the two spawning threads, which run under the filters and
// clone every program's process: the ways to the keeper aimed at each thread (a thread's pidfd,
// tkill and tgkill, its /proc entries and IPC namespace, an I/O signal to the thread). Each
// attempt is refused, and the keeper keeps its four threads and goes on serving.
TEST_CASE("attack: no way from a program reaches the keeper's threads") {
  auto lease = engine().slots().acquire();
  REQUIRE(lease->run(program_request("exit_code", {"0"})).status == RunStatus::kOk);
  const auto keepers = keeper_pids();
  REQUIRE(keepers.size() == 1);
  REQUIRE(thread_count(*keepers.begin()) == 4);
  for (const char* thread : {"2", "3", "4"}) {
    for (const auto& way : kWaysToTheKeeper) {
      const RunResult result = lease->run(program_request("reach_keeper", {way, thread}));
      INFO("thread " << thread << ", " << way << ": " << describe(result));
      CHECK(refused(result));
      CHECK(keeper_pids() == keepers);
      CHECK(thread_count(*keepers.begin()) == 4);
    }
  }
  expect_clean_slot(lease);
}

// Proves the set-up calls the filter lets through with the sandbox's marker (seccomp_policy.h)
// give a program that knows the marker nothing: becoming root, taking group 0, raising its
// capabilities, making or entering namespaces all fail with the kernel's own refusal, and the
// program's identity is what it was. The calls run (no violation): the filter passes them.
TEST_CASE("attack: the set-up marker gives a program nothing") {
  auto lease = engine().slots().acquire();
  char marker[32];
  std::snprintf(marker, sizeof marker, "0x%llx",
                static_cast<unsigned long long>(codearena::sandbox::kSetupCallMarker));
  const RunResult result = lease->run(program_request("marked_calls", {marker}));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  CHECK(result.exit_code == 0);
  for (const char* refused_call :
       {"setresuid 0: Operation not permitted", "setresgid 0: Operation not permitted",
        "setgroups 0: Operation not permitted", "capset all: Operation not permitted",
        "cgroup namespace: Operation not permitted", "network namespace: Operation not permitted",
        "IPC namespace: Operation not permitted",
        "IPC namespace through a pidfd: Operation not permitted",
        "network namespace through a pidfd: Operation not permitted", "identity: unchanged"}) {
    CHECK_THAT(result.stdout_data, Catch::Matchers::Contains(refused_call));
  }
  expect_clean_slot(lease);
}

// Proves a run can neither become root nor raise its limits, priority or I/O class.
TEST_CASE("attack: a program cannot raise its identity, limits or priority") {
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(program_request("escalate"));
  INFO(describe(result));
  CHECK(refused(result));
  expect_clean_slot(lease);
}

// Locks on a file every slot and the host share read-only are the residual channel between
// boxes that docs/threat-model.md names: a run sees a lock the host (or another box) holds,
// through flock and through OFD locks. Should this test fail, the channel was closed: take it
// off the threat model's residual list.
TEST_CASE("attack: locks on shared read-only files are the named residual channel") {
  const int flocked = ::open(kSharedFile, O_RDONLY | O_CLOEXEC);
  const int ofd_locked = ::open(kSharedFile, O_RDONLY | O_CLOEXEC);
  REQUIRE(flocked >= 0);
  REQUIRE(ofd_locked >= 0);
  REQUIRE(::flock(flocked, LOCK_EX) == 0);
  struct flock read_lock {};
  read_lock.l_type = F_RDLCK;
  read_lock.l_whence = SEEK_SET;
  REQUIRE(::fcntl(ofd_locked, F_OFD_SETLK, &read_lock) == 0);

  auto lease = engine().slots().acquire();
  for (const char* kind : {"flock", "ofd"}) {
    const RunResult result = lease->run(program_request("shared_lock", {kind, kSharedFile}));
    INFO(kind << ": " << describe(result));
    CHECK(result.status == RunStatus::kRuntimeError);
    CHECK(result.stdout_data == "foreign lock\n");
  }
  ::close(flocked);
  ::close(ofd_locked);
  expect_clean_slot(lease);
}

// Proves a run cannot watch files it shares with the host and other slots: the host opens and
// reads a file of /usr/bin once the program has its inotify instance, and no event of that
// reaches the program (it ends at its wall limit, or at once when the watch is refused).
TEST_CASE("attack: a run cannot watch file activity outside it") {
  expect_host_read_unseen("watch_host", [] { return uid_holds_inotify(kSlotUid); });
}

// Proves a run cannot take the machine's budget of AIO events (fs.aio-max-nr is shared by
// every process of the host), and holds none of it after the run.
TEST_CASE("attack: a run cannot exhaust the machine's AIO events") {
  const auto aio_in_use = [] { return std::stol(read_host_file("/proc/sys/fs/aio-nr")); };
  const long before = aio_in_use();
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(program_request("aio_hog"));
  INFO(describe(result));
  CHECK(refused(result));
  CHECK(aio_in_use() <= before);
  expect_clean_slot(lease);
}

// Proves thousands of files matching a wildcard to collect (javac writes one class file per
// class, so a source can ask for this) end the run normally, as ok, with at most the collect
// limit handed back: neither the keeper nor the slot is lost over it.
TEST_CASE("attack: thousands of files matching a collected wildcard") {
  auto lease = engine().slots().acquire();
  REQUIRE(lease->run(program_request("exit_code", {"0"})).status == RunStatus::kOk);
  const auto keepers = keeper_pids();
  for (const char* length : {"16", "240"}) {
    const RunResult result = lease->run(collecting("collect_bait", {"many", "3000", length}));
    INFO("names of " << length << " bytes: " << describe(result));
    CHECK(result.status == RunStatus::kOk);
    CHECK(result.collected.size() <= 200);
    CHECK(result.message.size() <= 64 * 1024);
    CHECK(keeper_pids() == keepers);
  }
  expect_clean_slot(lease);
}

// Proves hard links cannot make the collected files larger than the box that held them: 200
// names of one 15 MiB file (3 GB together) end as an ordinary run (the copies over the box are
// refused), not as an engine failure, and the keeper stays.
TEST_CASE("attack: hard links to one large file among the collected files") {
  auto lease = engine().slots().acquire();
  REQUIRE(lease->run(program_request("exit_code", {"0"})).status == RunStatus::kOk);
  const auto keepers = keeper_pids();
  RunRequest request = collecting("collect_bait", {"links", "200", "15"});
  request.limits.memory_bytes = 128LL << 20;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  int64_t total = 0;
  for (const auto& [name, content] : result.collected) total += content.size();
  CHECK(total <= request.limits.box_bytes);
  CHECK(keeper_pids() == keepers);
  expect_clean_slot(lease);
}

// Proves only regular files of the box's own are handed back: a FIFO, symlinks (to a box file
// and to /proc), a directory, a socket and a sparse file over the 1 MiB size limit are refused
// by name, while a plain file and one with a newline in its name come back intact.
TEST_CASE("attack: collected names that are no plain regular file") {
  auto lease = engine().slots().acquire();
  RunRequest request = collecting("collect_bait", {"odd"});
  request.collect_max_bytes = 1 << 20;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  REQUIRE(result.status == RunStatus::kOk);
  CHECK(result.collected == std::map<std::string, std::string>{{"new\nline.class", "odd name"},
                                                               {"ok.class", "fine"}});
  for (const char* name : {"fifo.class", "link.class", "environ.class", "dir.class", "sock.class",
                           "sparse.class"}) {
    CHECK_THAT(result.message, Contains(name));
  }
  expect_clean_slot(lease);
}

// Proves page cache one run leaves charged to the slot is not reclaimed at the next run's
// expense: the host first evicts the files the filler will read, so that the filler's reads
// are charged to the slot (a program cannot evict shared files itself), and the next run's
// 32 MiB are reported in full.
TEST_CASE("attack: page cache of one run is not charged to the next") {
  auto lease = engine().slots().acquire();
  evict_like_page_cache(40);
  const RunResult filler = lease->run(program_request("page_cache", {"40"}));
  INFO("filler: " << describe(filler));
  REQUIRE(filler.status == RunStatus::kOk);
  const RunResult victim = lease->run(program_request("allocate", {"heap", "32"}));
  INFO("victim: " << describe(victim));
  CHECK(victim.status == RunStatus::kOk);
  CHECK(victim.memory_kb >= 32 * 1024);
  expect_clean_slot(lease);
}

// Page cache left below the reclaim bound (kept for speed, see leftover_memory_bound()) can be
// reclaimed during the next run, which then reads low on memory by at most that bound, and
// never changes its verdict: a run touching 58 MiB of its 64 MiB and exiting 1 is a runtime
// error reported at no less than 58 MiB minus the bound.
TEST_CASE("attack: page cache left below the reclaim bound does not change the next run") {
  auto lease = engine().slots().acquire();
  evict_like_page_cache(10);
  const RunResult filler = lease->run(program_request("page_cache", {"10"}));
  INFO("filler: " << describe(filler));
  REQUIRE(filler.status == RunStatus::kOk);
  const RunResult victim = lease->run(program_request("allocate", {"heap", "58", "1"}));
  INFO("victim: " << describe(victim));
  CHECK(victim.status == RunStatus::kRuntimeError);
  const int64_t bound = codearena::sandbox::leftover_memory_bound(small_limits().memory_bytes);
  CHECK(victim.memory_kb >= ((58LL << 20) - bound) / 1024);
  expect_clean_slot(lease);
}

// Proves an abstract UNIX socket does not outlive its run, even kept in flight in an SCM_RIGHTS
// cycle no process holds: the slot's network namespace lives on, but the next run finds nothing.
TEST_CASE("attack: an abstract socket kept in flight does not reach the next run") {
  auto lease = engine().slots().acquire();
  const RunResult planter = lease->run(program_request("abstract_carry"));
  INFO("planter: " << describe(planter));
  REQUIRE(planter.status == RunStatus::kOk);
  REQUIRE(planter.stdout_data == "planted\n");
  const RunResult finder = lease->run(program_request("abstract_carry"));
  INFO("finder: " << describe(finder));
  CHECK(refused(finder));
  expect_clean_slot(lease);
}

// Proves the keeper's two spawning threads both follow it into the network namespace it moves to
// when a socket outlived a run: a run planting an abstract socket in flight is followed by runs
// cloned by the other thread (the other filter) and then by the same one, and neither finds it;
// nor do they find the planter's System V IPC objects, and each is process 5 (a thread left in an
// old namespace would clone the next run's process there, beside the socket).
TEST_CASE("attack: a socket left in flight reaches no later run through either spawning thread") {
  auto lease = engine().slots().acquire();
  using codearena::sandbox::NetworkCalls;
  for (const NetworkCalls planter_calls : {NetworkCalls::kViolation, NetworkCalls::kRefuse}) {
    RunRequest plant = program_request("abstract_carry");
    plant.network_calls = planter_calls;
    const RunResult planted = lease->run(plant);
    INFO("planter refusing sockets " << (planter_calls == NetworkCalls::kRefuse) << ": "
                                     << describe(planted));
    REQUIRE(planted.stdout_data == "planted\n");
    for (const NetworkCalls finder_calls : {NetworkCalls::kRefuse, NetworkCalls::kViolation,
                                            NetworkCalls::kRefuse, NetworkCalls::kViolation}) {
      RunRequest find = program_request("abstract_carry");
      find.network_calls = finder_calls;
      const RunResult finder = lease->run(find);
      INFO("finder refusing sockets " << (finder_calls == NetworkCalls::kRefuse) << ": "
                                      << describe(finder));
      CHECK(finder.stdout_data != "found\n");
      CHECK(refused(finder));
      // The finder planted its own when it found none: the next finder must not find that one.
    }
    RunRequest probe = program_request("probe");
    probe.network_calls = planter_calls;
    expect_clean_probe(lease->run(probe));
  }
  expect_clean_slot(lease);
}

// Proves a notification of run N on the seccomp listener every run of a keeper shares is never
// read in a later run's name: a run whose forty children each wait in a reported call while the
// main process exits at once (the run ends with notifications pending, or children on their way
// to the call) is followed, ten times over and through either spawning thread, by a run that
// must end ok: a stale notification would make it a security violation.
TEST_CASE("attack: blocked calls pending when a run ends reach no later run") {
  auto lease = engine().slots().acquire();
  using codearena::sandbox::NetworkCalls;
  for (int round = 0; round < 10; ++round) {
    const NetworkCalls calls = round % 2 ? NetworkCalls::kRefuse : NetworkCalls::kViolation;
    RunRequest storm = program_request("blocked_storm", {"40"});
    storm.network_calls = calls;
    const RunResult stormed = lease->run(storm);
    INFO("round " << round << ", storm: " << describe(stormed));
    CHECK((stormed.status == RunStatus::kOk || stormed.status == RunStatus::kSecurityViolation));
    RunRequest next = program_request("exit_code", {"0"});
    next.network_calls = calls;
    const RunResult after = lease->run(next);
    INFO("next run: " << describe(after));
    CHECK(after.status == RunStatus::kOk);
    CHECK(after.violation.empty());
  }
  expect_clean_slot(lease);
}

// Proves a run that says no other follows on its slot (the command line's one run), whose box
// the keeper leaves in place, still leaves nothing to a run that comes all the same: files in
// /box and /tmp, System V IPC objects, an abstract socket in flight.
TEST_CASE("attack: a run said to be the slot's last leaves nothing to a later run") {
  auto lease = engine().slots().acquire();
  RunRequest files_and_ipc = program_request("sysv_ipc");
  files_and_ipc.argv = {"/bin/sh", "-c", "./sysv_ipc && echo left > left && echo left > /tmp/left"};
  files_and_ipc.last_on_slot = true;
  const RunResult planted = lease->run(files_and_ipc);
  INFO("planter: " << describe(planted));
  REQUIRE(planted.status == RunStatus::kOk);
  expect_clean_slot(lease);

  RunRequest socket_planter = program_request("abstract_carry");
  socket_planter.last_on_slot = true;
  const RunResult carried = lease->run(socket_planter);
  INFO("socket planter: " << describe(carried));
  REQUIRE(carried.stdout_data == "planted\n");
  const RunResult finder = lease->run(program_request("abstract_carry"));
  INFO("finder: " << describe(finder));
  CHECK(refused(finder));
  expect_clean_slot(lease);
}

// Proves system calls a denylist does not name are stopped too: open_tree_attr (the twin of
// the blocked open_tree), memfd_secret and listmount do not do their work.
TEST_CASE("attack: system calls newer than the filter's list") {
  auto lease = engine().slots().acquire();
  for (const char* call : {"open_tree_attr", "memfd_secret", "listmount"}) {
    const RunResult result = lease->run(program_request("syscall_gap", {call}));
    INFO(call << ": " << describe(result));
    CHECK(refused(result));
  }
  expect_clean_slot(lease);
}

// Proves /proc/self/cgroup names no host cgroup (which would tell the engine's pid and the
// host's cgroup layout): a run sees its cgroup as the root.
TEST_CASE("attack: a run's cgroup paths tell nothing of the host") {
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(program_request("proc_leak"));
  INFO(describe(result));
  CHECK(refused(result));
  expect_clean_slot(lease);
}

// Proves a run cannot watch shared directories through dnotify (fcntl F_NOTIFY), the older
// twin of inotify: the host reads a file of /usr/bin once the program's watch is armed, and no
// signal of that reaches the program (it ends at its wall limit, or at once when refused).
TEST_CASE("attack: a run cannot watch file activity outside it through dnotify") {
  expect_host_read_unseen("dnotify_host",
                          [] { return uid_runs_named(kSlotUid, "dnotify-armed"); });
}

// Proves a run cannot drop the page cache of files it shares read-only with the host and other
// slots (POSIX_FADV_DONTNEED): a file the host has cached stays cached after the run.
TEST_CASE("attack: a run cannot evict shared files from the host's page cache") {
  {
    const int fd = ::open(kSharedFile, O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    char buffer[1 << 16];
    while (::read(fd, buffer, sizeof buffer) > 0) {
    }
    ::close(fd);
  }
  const auto [cached_before, pages] = cached_pages(kSharedFile);
  REQUIRE(pages > 0);
  REQUIRE(cached_before == pages);
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(program_request("evict_cache", {kSharedFile}));
  INFO(describe(result));
  CHECK(refused(result));
  CHECK(cached_pages(kSharedFile).first == pages);
  expect_clean_slot(lease);
}

// sysinfo(2) (like /proc/loadavg, /proc/stat and /proc/meminfo, which runtimes read) shows
// machine-wide figures: the count of every thread on the host, other slots' included. That is
// a residual channel docs/threat-model.md names; should this test fail, it was closed: take it
// off the list.
TEST_CASE("attack: sysinfo's host-wide figures are a named residual channel") {
  auto lease = engine().slots().acquire();
  const RunResult result = lease->run(program_request("sysinfo_host"));
  INFO(describe(result));
  CHECK(result.status == RunStatus::kRuntimeError);
  expect_clean_slot(lease);
}

// The unique mount id statx shows (Linux 6.8) is drawn from one counter for the whole host, so
// the id of a run's /box tells how many mounts were made on the machine since the last run saw
// it: a residual channel docs/threat-model.md names, like sysinfo's figures (every run has
// /box and /tmp mounts of its own, and the keeper of every slot makes two per run). The host
// makes ten mounts between two runs; the id of the run after the next grows by at least that. Should this
// test fail, the channel was closed: take it off the threat model's residual list.
TEST_CASE("attack: the host-wide mount counter is a named residual channel") {
  auto lease = engine().slots().acquire();
  const auto counter = [&] {
    const RunResult result = lease->run(program_request("mount_counter"));
    INFO(describe(result));
    REQUIRE(result.status == RunStatus::kRuntimeError);
    REQUIRE(result.stdout_data.rfind("counter ", 0) == 0);
    return std::stoull(result.stdout_data.substr(8));
  };
  const uint64_t before = counter();
  const pid_t mounter = ::fork();
  REQUIRE(mounter >= 0);
  if (mounter == 0) {
    // A mount namespace of its own: the mounts go with it.
    bool made = ::unshare(CLONE_NEWNS) == 0 &&
                ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
    for (int i = 0; made && i < 10; ++i) made = ::mount("none", "/mnt", "tmpfs", 0, nullptr) == 0;
    ::_exit(made ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(mounter, &status, 0) == mounter);
  REQUIRE(status == 0);
  // The next run's pair was made during the last run, before the host's mounts; the one after
  // it is made later.
  counter();
  CHECK(counter() >= before + 10);
  expect_clean_slot(lease);
}

// Proves memory a run keeps in flight never weighs on the next run, ten times over, each run
// following the last at once: an unlinked 40 MiB file of /box held only by an SCM_RIGHTS cycle
// nobody holds. The kernel frees such a cycle only when some UNIX socket is released, and no exit
// of the run releases one of the cycle. Without a release of the keeper's own (and its wait for
// the file's blocks) about half of the next runs found the 40 MiB still charged, as did runs
// after them until some socket anywhere on the machine was released; a pause of a second and a
// half between the runs did not help.
TEST_CASE("attack: a file kept in flight run after run never weighs on the next") {
  expect_in_flight_memory_released("inflight_memory", 10);
}

// Proves memory a run keeps in flight without any file does not weigh on the next run: forty
// pipes of 1 MiB, their read ends held only by an SCM_RIGHTS cycle nobody holds (whose sockets
// are all in flight, so that closing them releases none), leave /box and /tmp empty (the
// program removes its own file, so the keeper has no file to wait for), yet their buffers are
// charged to the slot until the kernel collects the cycle. Each planter is followed at once by a
// run touching 48 MiB of its 64 MiB, ten times over, which must end ok: until the keeper waited
// for the run's sockets to be collected, all ten ran out of memory.
TEST_CASE("attack: pipe buffers kept in flight do not weigh on the next run", "[pipe-budget]") {
  expect_in_flight_memory_released("inflight_pipes", 10);
}

// Proves files an ordinary run leaves in /box and /tmp, collected or not, hold up neither its
// report nor the keeper: the keeper waits only for what messages in flight hold. A host thread
// watches the keeper's main thread through six runs that each leave a file (three hand it back,
// three leave it in /tmp) and must never find it asleep. The wait for the used pair's blocks
// held the pair alive itself (a tmpfs keeps every named file while anything holds it open), so
// it ran its whole 200 ms after every such run, and a collected file held them as well.
TEST_CASE("attack: files a run leaves or hands back hold up no report") {
  auto lease = engine().slots().acquire();
  REQUIRE(lease->run(program_request("exit_code", {"0"})).status == RunStatus::kOk);
  const auto keepers = keeper_pids();
  REQUIRE(keepers.size() == 1);
  const pid_t keeper = *keepers.begin();
  std::atomic<bool> done{false};
  std::atomic<int> asleep{0};
  std::thread watcher([&] {
    while (!done) {
      if (keeper_awaits_release(keeper)) ++asleep;
      ::sched_yield();
    }
  });
  for (int round = 0; round < 3; ++round) {
    const RunResult collected =
        lease->run(collecting("write_file", {"out.class", "x", "100000"}));
    INFO("round " << round << ", collected: " << describe(collected));
    CHECK(collected.status == RunStatus::kOk);
    CHECK(collected.collected ==
          std::map<std::string, std::string>{{"out.class", std::string(100000, 'x')}});
    const RunResult left = lease->run(program_request("write_file", {"/tmp/left", "x", "100000"}));
    INFO("left in /tmp: " << describe(left));
    CHECK(left.status == RunStatus::kOk);
  }
  done = true;
  watcher.join();
  CHECK(asleep == 0);
  CHECK(keeper_pids() == keepers);
  expect_clean_slot(lease);
}

// Proves memory a run keeps in flight without a file of its /box or /tmp is freed before the
// next run's baseline, so it does not lower that run's memory figure: forty pipes of 1 MiB held
// only by an SCM_RIGHTS cycle nobody holds, filled by write(2), or by sendfile(2) from a 40 MiB
// file left in /box (its pages outlive the unmount in the pipes, its blocks do not). The next
// run's grandchild, which the program never waits for (so no resident set of the main process
// stands in for the cgroup's figure), touches 40 MiB: it must be reported at no less than that
// minus the bound of what an earlier run may leave (leftover_memory_bound()), and end ok.
// Before the keeper waited for the run's sockets to be collected, the write rounds' victims ran
// out of memory (their 40 MiB on top of the planter's) and read 23 MiB; had the cycle been
// collected during the run, after the engine's baseline, the figure would have read low.
TEST_CASE("attack: memory kept in flight without a file does not lower the next run's figure",
          "[pipe-budget]") {
  auto lease = engine().slots().acquire();
  const int64_t bound = codearena::sandbox::leftover_memory_bound(small_limits().memory_bytes);
  for (int round = 0; round < 4; ++round) {
    RunRequest plant = program_request("inflight_pipes", {"40"});
    if (round % 2 == 1) {
      plant.argv.push_back("sendfile");
      plant.limits.file_size_bytes = 48LL << 20;
    }
    const RunResult planter = lease->run(plant);
    INFO("round " << round << ", planter: " << describe(planter));
    REQUIRE(planter.stdout_data == "planted 40 MiB\n");
    RunRequest load = program_request("orphan_load", {"memory", "40"});
    load.limits.wall_ms = 60000;  // A loaded machine may give the run little CPU.
    const RunResult victim = lease->run(load);
    INFO("victim: " << describe(victim));
    CHECK(victim.status == RunStatus::kOk);
    CHECK(victim.memory_kb >= ((40LL << 20) - bound) / 1024);
  }
  expect_clean_slot(lease);
}

// Proves what a run leaves in flight cannot stall or break the keeper, nor weigh on the next
// run, however it is shaped: nearly as many sockets in flight as the kernel lets the slot's user
// have (its open-files limit), as a hundred cycles of their own, or nested a hundred deep (each
// pair in the queue of the one above, so the kernel frees them from the top down), a 32 MiB
// unnamed /box file at the bottom. After each, the keeper is the same process, the slot is
// clean (expect_clean_slot: process 5, nothing in /box, /tmp or IPC) and a run touching
// 48 MiB of its 64 MiB ends ok. Each shape goes through either spawning thread.
// Nearly the user's whole in-flight budget is taken (tag [inflight-budget]).
TEST_CASE("attack: sockets left in flight in many cycles or nested deep stall nothing",
          "[inflight-budget]") {
  for (const char* shape : {"cycles", "nested"}) {
    INFO(shape);
    RunRequest plant = program_request("inflight_sockets", {shape, "32"});
    plant.limits.file_size_bytes = 40LL << 20;
    expect_sockets_in_flight_released(plant, program_request("allocate", {"heap", "48"}));
  }
}

// Proves the keeper's wait follows the slowest chain a run can leave in flight to its end: one
// socket per level, nested until the kernel refuses the slot's user another descriptor in flight
// (a send is refused only once the count is past the open-files limit, so the chain is deeper
// than that limit's pairs), a 32 MiB unnamed /box file at the bottom. The kernel frees such a
// chain one level per tick of its clock, about a second for all of it: a wait with a fixed end
// shorter than that leaves the file charged, and the next run, touching 48 MiB of its 64 MiB,
// ends memory_limit. After each planter, through either spawning thread, the keeper is the same
// process and the slot is clean. The chain takes the user's whole in-flight budget, shared with
// every engine's slot 0 (tag [inflight-budget]).
TEST_CASE("attack: sockets nested in flight as deep as the kernel allows stall nothing",
          "[inflight-budget]") {
  RunRequest plant = program_request("inflight_sockets", {"deepest", "32"});
  plant.limits.file_size_bytes = 40LL << 20;
  expect_sockets_in_flight_released(plant, program_request("allocate", {"heap", "48"}));
}

// Proves the data a run queues in connections it never accepts counts against its memory
// limit: each client closed after filling its send buffer leaves what it wrote in the queue of
// a connection waiting in the listener's backlog, which needs no descriptor, so neither the
// open-files limit nor the send buffer bounds the total; only the memory charge does. The run
// asks for 256 MiB with a 64 MiB limit: it must be stopped at its limit or refused more than
// the limit holds. Kernel memory a run holds uncharged would let every slot's program take
// memory of the machine beyond its limit.
TEST_CASE("attack: data queued in connections never accepted counts against the memory limit") {
  auto lease = engine().slots().acquire();
  const RunResult run = lease->run(program_request("unaccepted_queues", {"256"}));
  INFO(describe(run));
  if (run.status == RunStatus::kOk) {
    REQUIRE(run.stdout_data.rfind("queued ", 0) == 0);
    CHECK(std::stoll(run.stdout_data.substr(7)) < 64);
  } else {
    CHECK(run.status == RunStatus::kMemoryLimit);
  }
  expect_clean_slot(lease);
}

// Proves the keeper's wait for sockets in flight is not cut short by a listing that takes long
// to read: forty listeners, each with its backlog full of connections never accepted (about
// 160,000 sockets, 360 MiB charged, each listed under a 107-byte name: a listing of tens of
// megabytes), at the bottom of a chain nested as deep as the kernel allows. The wait measured
// its stall from the start of the read that found fewer sockets to the end of the next read, so
// two reads longer than the stall ended it while the chain still held the connections: the next
// run, touching 400 MiB of its 512 MiB, ended memory_limit at 150 MiB. Through either spawning
// thread, that run must end ok, the keeper the same process, the slot clean.
TEST_CASE("attack: connections never accepted below a chain in flight are waited for however long their listing",
          "[inflight-budget]") {
  RunRequest plant = program_request("inflight_sockets", {"deepest", "1", "40"});
  plant.limits.memory_bytes = 512LL << 20;
  plant.limits.cpu_ms = 10000;
  plant.limits.wall_ms = 60000;  // A loaded machine may give the run little CPU.
  RunRequest allocate = program_request("allocate", {"heap", "400"});
  allocate.limits.memory_bytes = 512LL << 20;
  allocate.limits.wall_ms = 60000;
  expect_sockets_in_flight_released(plant, allocate);
}

// Proves a run that leaves no file (so its /box and /tmp are replaced only after the keeper's
// ready message, while the engine readies the next run) reaches nothing of that run: neither the roots' mode and times it changed while holding both roots open in flight in
// an SCM_RIGHTS cycle nobody holds, nor extended attributes filling the roots, which would need
// no block and no inode of the tmpfs but be charged to the slot's memory (every call that sets
// one is a violation; should one get through, a run that then touches 48 MiB of its 64 MiB
// still ends ok). Runs follow each other at once, as a slot's do; every other planter is said
// to be the slot's last, so that the keeper replaces its pair only when the next run comes, and
// the others ask for a smaller /box, so that the next run's new size replaces the pair again.
TEST_CASE("attack: a run that leaves no file reaches nothing of the next run") {
  auto lease = engine().slots().acquire();
  bool last_on_slot = false;
  for (const char* call : {"setxattr", "lsetxattr", "fsetxattr", "setxattrat"}) {
    RunRequest plant = program_request("mark_roots", {"plant"});
    plant.last_on_slot = last_on_slot = !last_on_slot;
    if (!last_on_slot) plant.limits.box_bytes = 16LL << 20;
    const RunResult planter = lease->run(plant);
    INFO(call << " round, last on slot " << last_on_slot << ", planter: " << describe(planter));
    REQUIRE(planter.stdout_data == "planted\n");
    const RunResult checker = lease->run(program_request("mark_roots", {"check"}));
    INFO("checker: " << describe(checker));
    CHECK(checker.status == RunStatus::kOk);
    CHECK(checker.stdout_data == "fresh\n");

    const RunResult attributes = lease->run(program_request("mark_roots", {"xattrs", call}));
    INFO("attributes: " << describe(attributes));
    CHECK(attributes.status == RunStatus::kSecurityViolation);
    const RunResult victim = lease->run(program_request("allocate", {"heap", "48"}));
    INFO("victim: " << describe(victim));
    CHECK(victim.status == RunStatus::kOk);
  }
  expect_clean_slot(lease);
}

// Proves files with no name a run leaves in /tmp, held only in flight in an SCM_RIGHTS cycle
// nobody holds, neither reach nor weigh on the next run: an O_TMPFILE holding 32 MiB, and a
// sparse file holding no block (statfs must see both, so the used pair is unmounted before the
// next run is taken). After each, a run that touches 48 MiB of its 64 MiB ends ok and finds the
// roots as new.
TEST_CASE("attack: files with no name held in flight neither reach nor weigh on the next run") {
  auto lease = engine().slots().acquire();
  for (const std::vector<std::string>& leave :
       {std::vector<std::string>{"tmpfile", "32"}, std::vector<std::string>{"sparse"}}) {
    RunRequest plant = program_request("mark_roots", leave);
    plant.limits.tmp_bytes = 40LL << 20;
    const RunResult planter = lease->run(plant);
    INFO(leave.front() << ", planter: " << describe(planter));
    REQUIRE(planter.stdout_data == "planted\n");
    RunRequest allocate = program_request("allocate", {"heap", "48"});
    allocate.limits = plant.limits;
    const RunResult victim = lease->run(allocate);
    INFO("victim: " << describe(victim));
    CHECK(victim.status == RunStatus::kOk);
    RunRequest check = program_request("mark_roots", {"check"});
    check.limits = plant.limits;
    const RunResult checker = lease->run(check);
    INFO("checker: " << describe(checker));
    CHECK(checker.stdout_data == "fresh\n");
  }
  expect_clean_slot(lease);
}

// A futex in a shared mapping of a file every slot and the host see read-only is keyed by the
// inode, so the host (or another box) can wake a run waiting on it: a residual channel like the
// file locks, named in docs/threat-model.md (glibc's pthread_join waits on a shared futex, so
// shared futexes cannot be denied). Should this test fail, the channel was closed.
TEST_CASE("attack: a futex of a shared file is a named residual channel") {
  const int fd = ::open(kSharedFile, O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  void* mapped = ::mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  REQUIRE(mapped != MAP_FAILED);
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("shared_futex", {kSharedFile});
  request.limits.wall_ms = 20'000;
  auto run = std::async(std::launch::async, [&] { return lease->run(request); });
  while (run.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) {
    if (uid_waits_in_futex(kSlotUid))
      ::syscall(SYS_futex, mapped, FUTEX_WAKE, 1, nullptr, nullptr, 0);
  }
  ::munmap(mapped, 4096);
  const RunResult result = run.get();
  INFO(describe(result));
  CHECK(result.stdout_data.find("woken") != std::string::npos);
  expect_clean_slot(lease);
}

// Proves a call outside the allowlist ends the run as a security violation naming the call even
// when the program tries to take the call for itself first (or that it cannot try): with a
// seccomp filter of its own that fails the call (prctl PR_SET_SECCOMP) or with syscall user
// dispatch (prctl PR_SET_SYSCALL_USER_DISPATCH), either of which would let it probe the whole
// policy unseen.
TEST_CASE("attack: a program cannot hide a blocked call from the report") {
  auto lease = engine().slots().acquire();
  for (const char* way : {"seccomp", "dispatch"}) {
    const RunResult result = lease->run(program_request("hide_violation", {way}));
    INFO(way << ": " << describe(result));
    CHECK(refused(result));
    CHECK(result.stdout_data.find("hidden") == std::string::npos);
  }
  expect_clean_slot(lease);
}

// Proves the smallest open-files limit the engine accepts (4) still runs a program: the child
// holds descriptors 0 to 3 when it loads the filter, and the filter's listener needs one more.
TEST_CASE("attack: the smallest accepted open-files limit still runs a program") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("exit_code", {"0"});
  request.limits.open_files = 4;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kOk);
  expect_clean_slot(lease);
}

namespace {

// Runs orphan_load: a grandchild the program never waits for puts `amount` of `kind` on the run.
RunResult run_orphan_load(const std::string& kind, const std::string& amount) {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("orphan_load", {kind, amount});
  request.limits.wall_ms = 60000;  // A loaded machine may give the run little CPU.
  const RunResult result = lease->run(request);
  INFO(describe(result));
  REQUIRE(result.status == RunStatus::kOk);
  expect_clean_slot(lease);
  return result;
}

}  // namespace

// Proves the memory figure does not come from the main process's own accounting alone: a
// grandchild handed to the box's PID 1 (never waited for by the program) touches 40 MiB and
// ends before the run does; the run reports at least that much.
TEST_CASE("attack: memory used by a process the program never waits for is reported") {
  CHECK(run_orphan_load("memory", "40").memory_kb >= 40 * 1024);
}

// Proves the same for CPU time: 600 ms burnt by a grandchild the program never waits for.
TEST_CASE("attack: CPU time used by a process the program never waits for is counted") {
  CHECK(run_orphan_load("cpu", "600").cpu_ms >= 600);
}

// Proves a run killed at its CPU limit while sixteen threads spin leaves none of its CPU time
// to the next run's figure, five times over: the next run, a program that exits at once, must
// read under 100 ms (a baseline taken before the killed threads were all gone, or a figure
// that went on counting them, would give it the planter's time).
TEST_CASE("attack: a run killed at its CPU limit leaves no CPU time to the next run") {
  auto lease = engine().slots().acquire();
  for (int round = 0; round < 5; ++round) {
    RunRequest burn = program_request("spin_threads", {"16", "10000"});
    burn.limits.cpu_ms = 300;
    burn.limits.cpu_cores = 2.0;
    const RunResult burnt = lease->run(burn);
    INFO("round " << round << ", planter: " << describe(burnt));
    REQUIRE(burnt.status == RunStatus::kCpuTimeLimit);
    const RunResult next = lease->run(program_request("exit_code", {"0"}));
    INFO("next: " << describe(next));
    CHECK(next.status == RunStatus::kOk);
    CHECK(next.cpu_ms < 100);
  }
  expect_clean_slot(lease);
}

// Proves a run gets one core however many threads it spins: its CPU time never runs ahead of
// its wall time by more than one bandwidth period (100 ms), so the wall limit (3 x CPU + 2 s)
// cannot be outrun by parallel work either.
TEST_CASE("attack: eight spinning threads get one core") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("spin_threads", {"8", "5000"});
  request.limits.cpu_ms = 1500;
  request.limits.wall_ms = 60000;  // A loaded machine may give the run little CPU.
  const RunResult result = lease->run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kCpuTimeLimit);
  CHECK(result.cpu_ms <= result.wall_ms + 100);
  expect_clean_slot(lease);
}

// Proves a program cannot pass a crash off as a CPU time limit by sending itself SIGXCPU: it is
// a death by that signal. SIGXFSZ and SIGSYS sent to itself still read as the file size limit
// and a blocked call of another ABI (wait4 does not say who sent a signal): the named residual
// of choosing which failure to report, which never turns a failure into a success.
TEST_CASE("attack: signals a program sends itself choose no verdict but its own failure") {
  auto lease = engine().slots().acquire();
  const RunResult xcpu = lease->run(program_request("raise_signal", {std::to_string(SIGXCPU)}));
  INFO(describe(xcpu));
  CHECK(xcpu.status == RunStatus::kSignaled);
  CHECK(xcpu.signal == SIGXCPU);
  const RunResult xfsz = lease->run(program_request("raise_signal", {std::to_string(SIGXFSZ)}));
  INFO(describe(xfsz));
  CHECK(xfsz.status == RunStatus::kOutputLimit);
  const RunResult sys = lease->run(program_request("raise_signal", {std::to_string(SIGSYS)}));
  INFO(describe(sys));
  CHECK(sys.status == RunStatus::kSecurityViolation);
  expect_clean_slot(lease);
}

// Proves a read-only bind shows the directory the engine checked, not what its path names when
// the keeper builds the box: a parent renamed and replaced by a symlink in between (the keeper
// starts at the first run, after the engine's checks) makes the run an internal error instead
// of showing the other directory; put back, the directory is shown.
TEST_CASE("attack: a bind whose parent is swapped for a symlink after the check is not shown") {
  char base_template[] = "/var/tmp/codearena-bind-swap-XXXXXX";
  REQUIRE(::mkdtemp(base_template) != nullptr);
  const std::string base = base_template;
  REQUIRE(::chmod(base.c_str(), 0755) == 0);
  for (const char* side : {"shown", "other"}) {
    const std::string dir = base + "/" + side + "/dir";
    make_dirs(dir);
    write_text_file_create(dir + "/marker", side);
  }
  SandboxConfig config;
  config.binds = default_read_only_binds();
  config.binds.push_back({base + "/shown/dir", false});
  Sandbox swapped_engine(config);
  RunRequest read_marker;
  read_marker.argv = {"/bin/cat", base + "/shown/dir/marker"};
  read_marker.limits = small_limits();

  REQUIRE(::rename((base + "/shown").c_str(), (base + "/moved").c_str()) == 0);
  REQUIRE(::symlink((base + "/other").c_str(), (base + "/shown").c_str()) == 0);
  const RunResult swapped = swapped_engine.run(read_marker);
  INFO("swapped: " << describe(swapped));
  CHECK(swapped.status == RunStatus::kInternalError);
  CHECK_THAT(swapped.stdout_data, !Contains("other"));

  REQUIRE(::unlink((base + "/shown").c_str()) == 0);
  REQUIRE(::rename((base + "/moved").c_str(), (base + "/shown").c_str()) == 0);
  const RunResult restored = swapped_engine.run(read_marker);
  INFO("restored: " << describe(restored));
  CHECK(restored.stdout_data == "shown");
  std::error_code ignored;
  std::filesystem::remove_all(base, ignored);
}

// Proves a run is not over while a thread of its program lives on after the main thread exited
// (the process is then a zombie leader with a live thread), that the thread cannot move itself
// out of the slot's cgroups, and that the slot's process check sees it until it is killed: on
// v1 that check is the pids hierarchy's count alone.
TEST_CASE("attack: a thread that outlives its main thread keeps the run going until killed") {
  auto lease = engine().slots().acquire();
  RunRequest request = program_request("leader_exit");
  request.limits.wall_ms = 1000;
  const RunResult result = lease->run(request);
  INFO(describe(result));
  CHECK(result.status == RunStatus::kWallTimeLimit);
  CHECK(result.stdout_data == "tried\n");
  CHECK(!lease->cgroup().holds_processes());
  expect_clean_slot(lease);
}

