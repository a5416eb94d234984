#include "sandbox/box_keeper.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sandbox/credentials.h"
#include "sandbox/errors.h"
#include "sandbox/filtered_spawner.h"
#include "sandbox/fs_util.h"
#include "sandbox/keeper_protocol.h"
#include "sandbox/keeper_worker.h"
#include "sandbox/mounts.h"
#include "sandbox/namespaces.h"
#include "sandbox/rlimits.h"
#include "sandbox/seccomp_policy.h"
#include "sandbox/sysv_ipc.h"
#include "sandbox/wire.h"

namespace codearena::sandbox {
namespace {

int64_t monotonic_us() {
  timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

struct SlotSetup {
  keeper::SetupOrder order;
  std::vector<UniqueFd> cgroup_joins;  // SlotCgroup::join_files(), opened by the engine.
};

// Everything the cloned child needs, computed before the clone: the child shares the keeper's
// memory (CLONE_VM) and must not allocate.
struct SpawnPlan {
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::vector<std::string> candidates;  // Paths to try for argv[0], in PATH order.
  std::vector<const char*> candidate_ptrs;
  int stdio[3] = {-1, -1, -1};
  const SlotSetup* slot = nullptr;
  ProcessLimits limits;
  // Written by the child when a step fails.
  const char* failed_step = nullptr;
  int failed_errno = 0;
  bool exec_failed = false;  // The failed step was execve itself: the program's error.
};

int fail(SpawnPlan* plan, const char* step, int error) {
  plan->failed_step = step;
  plan->failed_errno = error;
  ::_exit(127);
}

int child_main(void* arg) {
  auto* plan = static_cast<SpawnPlan*>(arg);
  // The child is a process of one thread (no CLONE_THREAD), so moving this thread moves all of
  // it, and every thread or process it makes later starts inside.
  for (const auto& join : plan->slot->cgroup_joins) {
    if (::write(join.get(), "0", 1) != 1) return fail(plan, "join the slot cgroup", errno);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::setsid() < 0) return fail(plan, "setsid", errno);
  for (int fd = 0; fd < 3; ++fd) {
    if (::dup2(plan->stdio[fd], fd) < 0) return fail(plan, "set up standard streams", errno);
  }
  // From here on the child holds exactly 0, 1, 2: none of the keeper's descriptors (its control
  // socket and the filter's listener above all) can reach the program.
  if (int error = close_descriptors_from(3); error != 0)
    return fail(plan, "close inherited descriptors", error);
  // The program's /proc/self/cgroup shows "/" instead of the engine's cgroup path and pid.
  if (::syscall(SYS_unshare, CLONE_NEWCGROUP, kSetupCallMarker) != 0)
    return fail(plan, "new cgroup namespace", errno);
  if (::chdir("/box") != 0) return fail(plan, "chdir /box", errno);
  const char* step = nullptr;
  if (int error = apply_process_limits(plan->limits, &step); error != 0)
    return fail(plan, step, error);
  if (int error = drop_privileges(plan->slot->order.uid, plan->slot->order.uid, &step);
      error != 0) {
    return fail(plan, step, error);
  }
  if (int error = apply_open_files_limit(plan->limits); error != 0)
    return fail(plan, "RLIMIT_NOFILE", error);
  int exec_errno = ENOENT;
  plan->exec_failed = true;
  for (const char* candidate : plan->candidate_ptrs) {
    ::execve(candidate, plan->argv.data(), plan->envp.data());
    if (errno != ENOENT) exec_errno = errno;
  }
  return fail(plan, "execve", exec_errno);
}

std::vector<std::string> exec_candidates(const std::string& program,
                                         const std::vector<std::string>& env) {
  if (program.find('/') != std::string::npos) return {program};
  std::string path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& entry : env) {
    if (entry.rfind("PATH=", 0) == 0) path = entry.substr(5);
  }
  std::vector<std::string> candidates;
  size_t start = 0;
  for (size_t end; start <= path.size(); start = end + 1) {
    end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const auto dir = path.substr(start, end - start);
    candidates.push_back((dir.empty() ? "." : dir) + "/" + program);
  }
  return candidates;
}

class BoxKeeper {
 public:
  explicit BoxKeeper(int control) : control_(control) {}

  int serve() {
    try {
      set_up();
    } catch (const std::exception& error) {
      wire::send_message(control_, keeper::encode(keeper::Failed{0, error.what(), false}));
      return 1;
    }
    wire::send_message(control_, keeper::encode_ready());
    while (auto message = wire::receive_message(control_)) {
      wire::Reader reader(message->body);
      if (reader.type() == wire::Type::kPark) {
        if (!park(reader, message->fds)) break;
        continue;
      }
      if (reader.type() != wire::Type::kRun) continue;  // A late kill for a finished run.
      keeper::RunOrder order = keeper::decode_run(reader);
      try {
        run(order, message->fds);
      } catch (const std::exception& error) {
        kill_everything();
        reply_ = {keeper::encode(keeper::Failed{order.run_id, error.what(), false}), {}};
      }
      // What the run left charged to the slot's cgroup is released before the answer, and the
      // ready message follows it at once: the engine takes the next run's cgroup baseline after
      // that message, and reads both without waiting for the keeper in between. The rest of the
      // next box (new empty mounts, the next IPC namespace) is made while the engine takes the
      // baseline, before the keeper reads the next order; an unmount of a used pair that holds
      // files waits for an RCU grace period. A keeper that cannot prepare the next box exits
      // instead: the engine sees it gone, before it sends the next run or as that run's start.
      // After a run no other follows, the box is left as it is (run() replaces it should a run
      // come all the same).
      box_used_ = true;
      std::exception_ptr unprepared;  // Raised once the run's answer is out.
      if (!order.last_on_slot) {
        try {
          release_leftovers_or_exit();
        } catch (const SandboxError&) {
          unprepared = std::current_exception();
        }
      }
      std::vector<int> fds;
      for (const auto& fd : reply_.fds) fds.push_back(fd.get());
      wire::send_message(control_, reply_.body, fds);
      reply_ = {};
      if (unprepared) std::rethrow_exception(unprepared);
      if (!order.last_on_slot) {
        wire::send_message(control_, keeper::encode_ready());
        prepare_next_box_or_exit();
      }
    }
    kill_everything();
    return 0;
  }

 private:
  void set_up() {
    auto message = wire::receive_message(control_);
    if (!message) throw SandboxError("engine closed the socket before setup");
    wire::Reader reader(message->body);
    slot_.order = keeper::decode_setup(reader);
    const auto& order = slot_.order;
    RootLayout layout{order.staging_dir, order.binds, order.uid, order.uid};

    sigset_t child_signals;
    sigemptyset(&child_signals);
    sigaddset(&child_signals, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &child_signals, nullptr);
    child_events_.reset(::signalfd(-1, &child_signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!child_events_.valid()) throw_errno("signalfd", errno);

    build_box_root(layout);
    // Kernels built without checkpoint/restore have no ns_last_pid: numbers then go on from
    // run to run (docs/threat-model.md), rather than no sandbox at all.
    last_pid_.reset(::open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC));
    if (!last_pid_.valid() && errno != ENOENT)
      throw_errno("open /proc/sys/kernel/ns_last_pid", errno);
    if (::sethostname("codearena", 9) != 0) throw_errno("sethostname", errno);
    if (const int error = drop_bounding_set(order.last_capability); error != 0) {
      throw_errno("empty the capability bounding set", error);
    }
    work_dirs_.replace(work_dir_sizes());
    join();
    run_ipc_ = own_namespace("ipc");
    // After the join: the thread is made in the namespaces the keeper ends up in.
    worker_.emplace();
    // Each loads its filter on its own while the keeper goes on. Both are made now, whatever
    // the runs ask for, so a run's process numbers say nothing of the filters earlier runs used.
    for (int calls = 0; calls < 2; ++calls)
      spawners_[calls] = std::make_unique<FilteredSpawner>(slot_.order.filters[calls]);
  }

  // The calling thread's namespace of one kind (the name under /proc/thread-self/ns).
  static UniqueFd own_namespace(const char* kind) {
    const std::string path = std::string("/proc/thread-self/ns/") + kind;
    UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid()) throw_errno("open " + path, errno);
    return ns;
  }

  // Takes the slot cgroup's join files and, when the keeper was started without a network
  // namespace of its own, enters the one the engine made: no program runs before either.
  void join() {
    auto message = wire::receive_message(control_);
    if (!message) throw SandboxError("engine closed the socket before the join message");
    wire::Reader reader(message->body);
    const keeper::JoinOrder order = keeper::decode_join(reader);
    take_join_files(order, message->fds);
  }

  void take_join_files(const keeper::JoinOrder& order, std::vector<UniqueFd>& fds) {
    const size_t namespaces = order.network_namespace ? 1 : 0;
    if (fds.size() <= namespaces) throw SandboxError("join message carries no cgroup file");
    if (order.network_namespace) enter_network_namespace(fds.front().get());
    slot_.cgroup_joins.assign(std::make_move_iterator(fds.begin() + namespaces),
                              std::make_move_iterator(fds.end()));
  }

  // Parks the keeper between runs (keeper::ParkOrder): true once another engine has joined it,
  // false when it is to exit (no engine came within the idle time, or one sent anything but
  // its join). Only the engine's end of the socket, kept here, can bring that engine: while
  // the keeper holds it, the socket stays open with no engine at its other end.
  bool park(wire::Reader& reader, std::vector<UniqueFd>& fds) {
    const keeper::ParkOrder order = keeper::decode_park(reader);
    if (fds.size() != 1) throw SandboxError("park message carries no socket end");
    if (::dup3(fds.front().get(), keeper::kParkedEngineEnd, O_CLOEXEC) != keeper::kParkedEngineEnd)
      throw_errno("keep the engine's end of the socket", errno);
    fds.clear();
    // The engine's caller may wait for the end of the stderr the keeper was started with (a
    // pipe), which must not stay open past the engine: the keeper's later errors are lost.
    const UniqueFd null(::open("/dev/null", O_WRONLY | O_CLOEXEC));
    if (!null.valid() || ::dup2(null.get(), STDERR_FILENO) != STDERR_FILENO)
      throw_errno("let go of the engine's stderr", errno);
    wire::send_message(control_, keeper::encode_ready());
    if (box_used_) prepare_next_box_or_exit();
    pollfd adopter{control_, POLLIN, 0};
    int ready;
    do {
      ready = ::poll(&adopter, 1, static_cast<int>(order.idle_ms));
    } while (ready < 0 && errno == EINTR);
    auto message = ready > 0 ? wire::receive_message(control_) : std::nullopt;
    // The adopting engine's end is its own from here: its exit closes the socket.
    ::close(keeper::kParkedEngineEnd);
    if (!message) return false;
    wire::Reader join(message->body);
    if (join.type() != wire::Type::kJoin) return false;
    const keeper::JoinOrder join_order = keeper::decode_join(join);
    if (join_order.network_namespace)
      throw SandboxError("a parked keeper was sent a network namespace to enter");
    take_join_files(join_order, message->fds);
    wire::send_message(control_, keeper::encode_ready());
    return true;
  }

  // The keeper was started in the engine's network namespace: one that is not new to it would
  // leave its programs there, so it refuses it before it answers ready.
  static void enter_network_namespace(int fd) {
    struct stat started_in {};
    struct stat sent {};
    if (::stat("/proc/self/ns/net", &started_in) != 0)
      throw_errno("stat the keeper's network namespace", errno);
    if (::fstat(fd, &sent) != 0) throw_errno("stat the network namespace sent", errno);
    if (sent.st_dev == started_in.st_dev && sent.st_ino == started_in.st_ino)
      throw SandboxError("the network namespace sent is the one the keeper started in");
    if (::setns(fd, CLONE_NEWNET) != 0) throw_errno("enter the network namespace", errno);
  }

  void run(const keeper::RunOrder& order, std::vector<UniqueFd>& fds) {
    run_id_ = order.run_id;
    if (box_used_) prepare_next_box_or_exit();
    if (fds.size() != 3 + order.file_names.size())
      throw SandboxError("run message carries the wrong number of files");
    auto& slot = slot_.order;
    if (order.box_bytes != slot.box_bytes || order.tmp_bytes != slot.tmp_bytes) {
      slot.box_bytes = order.box_bytes;
      slot.tmp_bytes = order.tmp_bytes;
      worker_->wait_idle();
      work_dirs_.replace(work_dir_sizes());
    }
    UniqueFd box(::open("/box", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!box.valid()) throw_errno("open /box", errno);
    for (size_t i = 0; i < order.file_names.size(); ++i) {
      place_file(box.get(), order.file_names[i], order.file_executable[i] ? 0755 : 0644,
                 fds[3 + i].get());
    }

    SpawnPlan plan;
    std::vector<std::string> argv = order.argv;
    std::vector<std::string> env = order.env;
    for (auto& arg : argv) plan.argv.push_back(arg.data());
    plan.argv.push_back(nullptr);
    for (auto& entry : env) plan.envp.push_back(entry.data());
    plan.envp.push_back(nullptr);
    plan.candidates = exec_candidates(argv[0], env);
    for (const auto& candidate : plan.candidates) plan.candidate_ptrs.push_back(candidate.c_str());
    for (int i = 0; i < 3; ++i) plan.stdio[i] = fds[i].get();
    plan.slot = &slot_;
    plan.limits = order.limits;
    FilteredSpawner& spawner = *spawners_[order.network_calls == NetworkCalls::kRefuse ? 1 : 0];

    restart_pid_numbering();
    const int64_t started_us = monotonic_us();
    const pid_t child = spawn(spawner, plan);
    for (auto& fd : fds) fd.reset();
    if (plan.failed_step != nullptr) {
      kill_everything();
      const bool exec_failed = plan.exec_failed;
      const std::string reason = exec_failed
                                     ? "cannot execute '" + argv[0] + "'"
                                     : std::string("sandbox setup failed: ") + plan.failed_step;
      reply_ = {keeper::encode(keeper::Failed{
                    run_id_, reason + ": " + std::strerror(plan.failed_errno), exec_failed}),
                {}};
      return;
    }
    wire::send_message(control_, keeper::encode(keeper::Started{run_id_}), {spawner.listener()});
    // Made while the program runs, the next /box and /tmp are only moved in after it.
    work_dirs_.make_next(work_dir_sizes());
    const Ended ended = wait_for(child);
    const int64_t wall_us = monotonic_us() - started_us;
    kill_everything();
    prepare_exit_reply(box.get(), ended, wall_us, order.collect, order.collect_max_bytes);
  }

  // Every run's processes are numbered from 5 (the keeper is 1, its worker thread 2, its
  // spawning threads 3 and 4), as in a fresh PID namespace: the numbers a program sees say
  // nothing of how many processes earlier runs made. Every process of earlier runs is gone, so
  // the numbers are free.
  void restart_pid_numbering() {
    if (last_pid_.valid() && ::pwrite(last_pid_.get(), "1", 1, 0) != 1)
      throw_errno("reset ns_last_pid", errno);
  }

  // The program's process, cloned under the filter the run asked for and in the run's IPC and
  // network namespaces (the keeper's own): it has been exec'd, or has failed, on return.
  pid_t spawn(FilteredSpawner& spawner, SpawnPlan& plan) {
    alignas(16) static char stack[256 * 1024];
    return spawner.spawn(run_ipc_.get(), child_main, &plan, stack + sizeof stack);
  }

  void place_file(int box, const std::string& name, mode_t mode, int source) {
    if (!is_plain_file_name(name)) throw SandboxError("invalid file name '" + name + "'");
    // /box is a tmpfs mounted a moment ago: nothing in it can have been planted, and O_EXCL
    // with O_NOFOLLOW would refuse anything that somehow was.
    UniqueFd target(
        ::openat(box, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!target.valid()) throw_errno("create /box/" + name, errno);
    for (;;) {
      const ssize_t copied = ::sendfile(target.get(), source, nullptr, 1 << 30);
      if (copied == 0) break;
      if (copied < 0 && errno != EINTR) throw_errno("copy into /box/" + name, errno);
    }
    const auto& slot = slot_.order;
    if (::fchmod(target.get(), mode) != 0 || ::fchown(target.get(), slot.uid, slot.uid) != 0) {
      throw_errno("set owner of /box/" + name, errno);
    }
  }

  // How the main process ended: its wait status and the largest resident set it (or a child it
  // waited for) had, which the engine reports when the cgroup's own figure is lower.
  struct Ended {
    int status = 0;
    int64_t peak_rss_kb = 0;
  };

  // Waits for the main process, reaping orphans on the way and obeying kill orders for this run.
  Ended wait_for(pid_t child) {
    pollfd watched[2] = {{control_, POLLIN, 0}, {child_events_.get(), POLLIN, 0}};
    for (;;) {
      if (const auto status = reap(child)) return *status;
      if (::poll(watched, 2, -1) < 0 && errno != EINTR) throw_errno("poll", errno);
      if (watched[1].revents & POLLIN) {
        signalfd_siginfo info;
        while (::read(child_events_.get(), &info, sizeof info) > 0) {
        }
      }
      if (watched[0].revents & (POLLIN | POLLHUP)) {
        auto message = wire::receive_message(control_);
        if (!message) {
          kill_everything();
          ::_exit(0);
        }
        wire::Reader reader(message->body);
        if (reader.type() == wire::Type::kKill && keeper::decode_kill(reader).run_id == run_id_)
          ::kill(-1, SIGKILL);
      }
    }
  }

  static std::optional<Ended> reap(pid_t child) {
    for (;;) {
      int status = 0;
      rusage usage{};
      const pid_t pid = ::wait4(-1, &status, WNOHANG, &usage);
      if (pid <= 0) return std::nullopt;
      if (pid == child) return Ended{status, usage.ru_maxrss};
    }
  }

  // From PID 1, kill(-1) signals every other process of the namespace: the whole run.
  void kill_everything() {
    ::kill(-1, SIGKILL);
    while (::waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
    }
  }

  // Opens the files to hand back within what the engine accepts from a keeper: at most
  // kMaxCollectedFiles regular files, each within `collect_max`, each inode once (hard links),
  // all of them within the box's size; a bounded list of what was left out.
  void prepare_exit_reply(int box, const Ended& ended, int64_t wall_us,
                          const std::vector<std::string>& collect, int64_t collect_max) {
    keeper::Exited exited{run_id_, ended.status, wall_us, {}, {}, ended.peak_rss_kb};
    CollectProblems problems;
    std::vector<UniqueFd> files;
    std::set<std::pair<dev_t, ino_t>> inodes;
    int64_t total = 0;
    for (const auto& name : expand_wildcards(box, collect)) {
      constexpr int kFlags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
      UniqueFd file(is_plain_file_name(name) ? ::openat(box, name.c_str(), kFlags) : -1);
      struct stat st;
      if (!file.valid() || ::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        problems.add(name, "not a regular file in /box");
      } else if (st.st_size > collect_max) {
        problems.add(name, "larger than " + std::to_string(collect_max) + " bytes");
      } else if (files.size() == keeper::kMaxCollectedFiles) {
        problems.add(name, "more than " + std::to_string(keeper::kMaxCollectedFiles) + " files");
      } else if (!inodes.insert({st.st_dev, st.st_ino}).second) {
        problems.add(name, "a second name of a file already collected");
      } else if (total + st.st_size > slot_.order.box_bytes) {
        problems.add(name, "the files together would be larger than /box");
      } else {
        total += st.st_size;
        exited.collected.push_back(name);
        files.push_back(std::move(file));
      }
    }
    exited.problems = problems.text();
    reply_ = {keeper::encode(exited), std::move(files)};
  }

  // Files that could not be collected, listed until the text reaches a few KiB, then counted.
  class CollectProblems {
   public:
    void add(const std::string& name, const std::string& why) {
      const auto line = name + ": " + why + "; ";
      if (listed_.size() + line.size() <= kListedBytes) {
        listed_ += line;
      } else {
        ++unlisted_;
      }
    }
    std::string text() const {
      if (unlisted_ == 0) return listed_;
      return listed_ + "and " + std::to_string(unlisted_) + " more files not collected; ";
    }

   private:
    static constexpr size_t kListedBytes = 4096;
    std::string listed_;
    size_t unlisted_ = 0;
  };

  // Replaces each name with a wildcard ("*.class") by the /box entries it matches.
  static std::vector<std::string> expand_wildcards(int box,
                                                   const std::vector<std::string>& patterns) {
    std::vector<std::string> names;
    for (const auto& pattern : patterns) {
      if (pattern.find_first_of("*?[") == std::string::npos) {
        names.push_back(pattern);
        continue;
      }
      UniqueFd listing(::openat(box, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      DIR* dir = listing.valid() ? ::fdopendir(listing.release()) : nullptr;
      if (dir == nullptr) continue;
      while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.' && ::fnmatch(pattern.c_str(), entry->d_name, FNM_PERIOD) == 0) {
          names.push_back(entry->d_name);
        }
      }
      ::closedir(dir);
    }
    return names;
  }

  // Both steps throw past serve()'s handler (the keeper exits without answering) when they fail.
  void release_leftovers_or_exit() {
    with_context([this] { release_leftovers(); });
    leftovers_released_ = true;
  }
  void prepare_next_box_or_exit() {
    with_context([this] {
      if (!leftovers_released_) release_leftovers();
      finish_next_box();
    });
    box_used_ = false;
    leftovers_released_ = false;
  }
  template <typename Step>
  static void with_context(const Step& step) {
    try {
      step();
    } catch (const std::exception& error) {
      throw SandboxError(std::string("cannot prepare the next box: ") + error.what());
    }
  }

  // What the run left that holds memory charged to the slot's cgroup: files in /box or /tmp,
  // System V IPC objects, a socket in the network namespace.
  void release_leftovers() {
    // Sockets of the run left in its network namespace are held only by messages in flight,
    // which may carry anything of the run: collected first, while /box and /tmp are mounted.
    const bool sockets_left = unix_sockets_left();
    if (sockets_left) await_unix_garbage_freed(unix_sockets_.get());
    if (work_dirs_.hold_files()) {
      work_dirs_.replace_and_await_release(work_dir_sizes(), !reply_.fds.empty(),
                                           collect_unix_garbage);
      next_box_in_place_ = true;
    }
    // SysV IPC objects and POSIX message queues of this run must not reach the next one. The
    // objects are removed first: the namespace left behind is freed only later, and until then
    // its shared memory would count against the next run's memory.
    if (const int error = remove_sysv_ipc_objects(); error != 0)
      throw_errno("remove the run's System V IPC objects", error);
    // A UNIX socket sent in a message nobody will read outlives every process of the run, with
    // its abstract name and queued data: a way to leave something for the next run. No socket
    // is left after an ordinary run, so the network namespace is replaced only when one is.
    if (sockets_left) {
      if (::unshare(CLONE_NEWNET) != 0) throw_errno("unshare network namespace", errno);
      unix_sockets_.reset();
      worker_->follow_network();
      for (const auto& spawner : spawners_) spawner->follow_network();
    }
  }

  // Every process of the run is gone, so what the run's network namespace still lists is held
  // only by messages in flight: an SCM_RIGHTS cycle, with what its messages carry (pipes and
  // their buffers, files of /box and /tmp, more sockets), all charged to the slot. Without a
  // file of /box or /tmp to wait for, that memory was freed only once some socket on the
  // machine was released: the next run found it charged (a run of 48 MiB within 64 ran out of
  // memory after 40 MiB of pipes), or had it freed after the engine took its baseline, its
  // figure low by as much. So the keeper releases a socket of its own (again now and then,
  // should the kernel's collector have been running already) and waits until the namespace
  // lists none; the kernel frees what the cycle carried in the same pass, while the keeper
  // replaces the box. Sockets nested in each other's messages are freed from the top down, one
  // level per tick of the kernel's clock (a chain of a hundred took about half a second), so the
  // wait ends only when no socket has gone for 200 ms: no run leaves more sockets than its
  // open-files limit lets it put in flight.
  static void await_unix_garbage_freed(int sockets) {
    constexpr int64_t kStallUs = 200'000;
    constexpr int64_t kReleaseEveryUs = 10'000;
    int64_t fewer_at = 0;  // When the last listing that showed fewer sockets began.
    int64_t released_at = monotonic_us() - kReleaseEveryUs;
    size_t fewest = SIZE_MAX;
    for (;;) {
      const int64_t listed_at = monotonic_us();
      if (listed_at - released_at >= kReleaseEveryUs) {
        collect_unix_garbage();
        released_at = listed_at;
      }
      // A header line, then a line per socket.
      const size_t lines = line_count(pread_text(sockets, "/proc/net/unix"));
      if (lines <= 1) return;
      // The stall is measured between listings' starts: a listing of a hundred thousand
      // connections never accepted takes longer than the stall to read, and measured from the
      // start of the listing that found fewer to the end of that same listing, the wait ended
      // after it, while a chain above those connections still held them.
      if (lines < fewest) {
        fewest = lines;
        fewer_at = listed_at;
      } else if (listed_at - fewer_at >= kStallUs) {
        return;
      }
      ::usleep(250);
    }
  }

  // The kernel frees UNIX sockets that only messages in flight hold, with the files those carry,
  // when a UNIX socket is released: a run's processes can leave such a cycle, and their exit
  // releases none of its sockets, so the keeper releases one of its own.
  static void collect_unix_garbage() {
    int pair[2];
    if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, pair) != 0) return;
    ::close(pair[0]);
    ::close(pair[1]);
  }

  // New /box and /tmp unless release_leftovers() put them in place (a used pair that held no
  // file held no memory of its run), and the next IPC namespace; then the worker makes the IPC
  // namespace after that.
  void finish_next_box() {
    if (!next_box_in_place_) work_dirs_.replace(work_dir_sizes());
    next_box_in_place_ = false;
    run_ipc_ = worker_->enter_next_ipc_namespace();
    worker_->start();
  }

  WorkDirSizes work_dir_sizes() const {
    const auto& slot = slot_.order;
    return {slot.box_bytes, slot.tmp_bytes, slot.uid, slot.uid};
  }

  // True when /proc/net/unix of the slot's network namespace lists a socket (the keeper's own
  // are of the engine's namespace, or closed by now).
  bool unix_sockets_left() {
    if (!unix_sockets_.valid()) {
      unix_sockets_.reset(::open("/proc/net/unix", O_RDONLY | O_CLOEXEC));
      if (!unix_sockets_.valid()) throw_errno("open /proc/net/unix", errno);
    }
    return lists_unix_sockets(unix_sockets_.get(), "/proc/net/unix");
  }

  // The answer to the current run, sent once the box is ready for the next one.
  struct Reply {
    std::string body;
    std::vector<UniqueFd> fds;  // Collected files, opened before /box is replaced.
  };

  int control_;
  uint64_t run_id_ = 0;
  Reply reply_;
  SlotSetup slot_;
  UniqueFd child_events_;
  UniqueFd last_pid_;  // /proc/sys/kernel/ns_last_pid of the slot's PID namespace.
  UniqueFd unix_sockets_;  // /proc/net/unix of the slot's current network namespace.
  WorkDirs work_dirs_;
  std::optional<KeeperWorker> worker_;  // Made late in set_up(), so it inherits the keeper's state.
  // Indexed by NetworkCalls, as the filters: made last in set_up().
  std::unique_ptr<FilteredSpawner> spawners_[2];
  UniqueFd run_ipc_;  // The IPC namespace of the next (or current) run: the keeper's own.
  bool box_used_ = false;  // The last run's /box, /tmp, IPC and sockets are still in place.
  bool leftovers_released_ = false;  // release_leftovers() is done for the last run.
  bool next_box_in_place_ = false;   // release_leftovers() mounted the next /box and /tmp.
};

}  // namespace

int box_keeper_main(int control_socket) {
  // The box root's directories and files get their modes whatever umask the caller had (with
  // 077 the runner could not reach a read-only directory or read /etc/passwd), and every program
  // starts with the same umask.
  ::umask(022);
  // Whatever started the keeper, it keeps its standard streams and control socket only, and the
  // control socket does not survive into any program.
  const bool others_below = control_socket > 3 &&
                            ::syscall(SYS_close_range, 3U, control_socket - 1U, 0) != 0;
  if (others_below || ::fcntl(control_socket, F_SETFD, FD_CLOEXEC) != 0 ||
      close_descriptors_from(std::max(3, control_socket + 1)) != 0) {
    ::dprintf(2, "codearena-box: cannot set up its descriptors: %s\n", std::strerror(errno));
    return 1;
  }
  try {
    return BoxKeeper(control_socket).serve();
  } catch (const wire::PeerClosed&) {
    return 0;  // The engine is gone (its caller exited, say): nobody is left to tell.
  } catch (const std::exception& error) {
    ::dprintf(2, "codearena-box: %s\n", error.what());
    return 1;
  }
}

}  // namespace codearena::sandbox
