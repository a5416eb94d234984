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
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/credentials.h"
#include "sandbox/errors.h"
#include "sandbox/mounts.h"
#include "sandbox/rlimits.h"
#include "sandbox/wire.h"

namespace codearena::sandbox {
namespace {

int64_t monotonic_us() {
  timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
}

struct SlotSetup {
  uint32_t uid = 0;
  uint32_t gid = 0;
  int last_capability = 40;
  std::string filters[2];  // Indexed by NetworkCalls: report sockets, refuse sockets.
  std::vector<UniqueFd> cgroup_procs;
  int64_t box_bytes = 0;
  int64_t tmp_bytes = 0;
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
  sock_fprog filter{};
  int control_socket = -1;
  // Written by the child when a step fails.
  const char* failed_step = nullptr;
  int failed_errno = 0;
};

bool valid_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos && name.size() < 256;
}

// Sends the seccomp listener to the engine without allocating (runs in the cloned child).
int send_listener(int socket, int listener) {
  char type = static_cast<char>(wire::Type::kListener);
  iovec io{&type, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr header{};
  header.msg_iov = &io;
  header.msg_iovlen = 1;
  header.msg_control = control;
  header.msg_controllen = sizeof control;
  cmsghdr* cmsg = CMSG_FIRSTHDR(&header);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &listener, sizeof listener);
  return ::sendmsg(socket, &header, MSG_NOSIGNAL) < 0 ? errno : 0;
}

int fail(SpawnPlan* plan, const char* step, int error) {
  plan->failed_step = step;
  plan->failed_errno = error;
  ::_exit(127);
}

int child_main(void* arg) {
  auto* plan = static_cast<SpawnPlan*>(arg);
  for (const auto& procs : plan->slot->cgroup_procs) {
    if (::write(procs.get(), "0", 1) != 1) return fail(plan, "join the slot cgroup", errno);
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (::setsid() < 0) return fail(plan, "setsid", errno);
  for (int fd = 0; fd < 3; ++fd) {
    if (::dup2(plan->stdio[fd], fd) < 0) return fail(plan, "set up standard streams", errno);
  }
  if (::chdir("/box") != 0) return fail(plan, "chdir /box", errno);
  const char* step = nullptr;
  if (int error = apply_process_limits(plan->limits, &step); error != 0)
    return fail(plan, step, error);
  if (int error = drop_privileges(plan->slot->uid, plan->slot->gid, &step); error != 0) {
    return fail(plan, step, error);
  }
  const int listener = static_cast<int>(::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                                                  SECCOMP_FILTER_FLAG_NEW_LISTENER, &plan->filter));
  if (listener < 0) return fail(plan, "load the seccomp filter", errno);
  if (int error = send_listener(plan->control_socket, listener); error != 0) {
    return fail(plan, "hand over the seccomp listener", error);
  }
  ::close(listener);
  int exec_errno = ENOENT;
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
      wire::send_message(control_, wire::Writer(wire::Type::kFailed).str(error.what()).bytes());
      return 1;
    }
    wire::send_message(control_, wire::Writer(wire::Type::kReady).bytes());
    while (auto message = wire::receive_message(control_)) {
      wire::Reader reader(message->body);
      if (reader.type() != wire::Type::kRun) continue;  // A late kill for a finished run.
      try {
        run(reader, message->fds);
      } catch (const std::exception& error) {
        kill_everything();
        reply_ = {wire::Writer(wire::Type::kFailed).str(error.what()).u64(0).bytes(), {}};
      }
      // The run's files and memory are released before the engine hears the run is over, so
      // the slot's cgroup is back to its baseline when the next run's limits are written.
      std::string box_problem;
      try {
        prepare_next_box();
      } catch (const std::exception& error) {
        box_problem = error.what();
      }
      std::vector<int> fds;
      for (const auto& fd : reply_.fds) fds.push_back(fd.get());
      wire::send_message(control_, reply_.body, fds);
      reply_ = {};
      if (!box_problem.empty()) throw SandboxError("cannot prepare the next box: " + box_problem);
    }
    kill_everything();
    return 0;
  }

 private:
  void set_up() {
    auto message = wire::receive_message(control_);
    if (!message) throw SandboxError("engine closed the socket before setup");
    wire::Reader reader(message->body);
    if (reader.type() != wire::Type::kSetup) throw SandboxError("expected the setup message");
    slot_.uid = static_cast<uint32_t>(reader.u64());
    slot_.gid = static_cast<uint32_t>(reader.u64());
    slot_.last_capability = static_cast<int>(reader.u64());
    slot_.filters[0] = reader.str();
    slot_.filters[1] = reader.str();
    slot_.box_bytes = static_cast<int64_t>(reader.u64());
    slot_.tmp_bytes = static_cast<int64_t>(reader.u64());
    RootLayout layout;
    layout.staging_dir = reader.str();
    for (const auto& path : reader.strs()) layout.binds.push_back({path.substr(1), path[0] == '?'});
    layout.uid = slot_.uid;
    layout.gid = slot_.gid;
    slot_.cgroup_procs = std::move(message->fds);

    sigset_t child_signals;
    sigemptyset(&child_signals);
    sigaddset(&child_signals, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &child_signals, nullptr);
    child_events_.reset(::signalfd(-1, &child_signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!child_events_.valid()) throw_errno("signalfd", errno);

    build_box_root(layout);
    if (::sethostname("codearena", 9) != 0) throw_errno("sethostname", errno);
    if (const int error = drop_bounding_set(slot_.last_capability); error != 0) {
      throw_errno("empty the capability bounding set", error);
    }
    replace_work_dirs(slot_.box_bytes, slot_.tmp_bytes, slot_.uid, slot_.gid);
  }

  void run(wire::Reader& reader, std::vector<UniqueFd>& fds) {
    SpawnPlan plan;
    std::vector<std::string> argv = reader.strs();
    std::vector<std::string> env = reader.strs();
    const auto file_names = reader.strs();
    const auto file_modes = reader.strs();
    const auto collect = reader.strs();
    const auto collect_max = static_cast<int64_t>(reader.u64());
    const auto box_bytes = static_cast<int64_t>(reader.u64());
    const auto tmp_bytes = static_cast<int64_t>(reader.u64());
    plan.limits.cpu_seconds = static_cast<int64_t>(reader.u64());
    plan.limits.file_size_bytes = static_cast<int64_t>(reader.u64());
    plan.limits.open_files = static_cast<int64_t>(reader.u64());
    plan.limits.stack_bytes = static_cast<int64_t>(reader.u64());
    plan.limits.address_space_bytes = static_cast<int64_t>(reader.u64());
    const auto& filter = slot_.filters[reader.u64() == 1 ? 1 : 0];
    if (argv.empty()) throw SandboxError("no program to run");
    if (fds.size() != 3 + file_names.size())
      throw SandboxError("run message carries the wrong number of files");
    if (box_bytes != slot_.box_bytes || tmp_bytes != slot_.tmp_bytes) {
      slot_.box_bytes = box_bytes;
      slot_.tmp_bytes = tmp_bytes;
      replace_work_dirs(box_bytes, tmp_bytes, slot_.uid, slot_.gid);
    }
    UniqueFd box(::open("/box", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!box.valid()) throw_errno("open /box", errno);
    for (size_t i = 0; i < file_names.size(); ++i) {
      place_file(box.get(), file_names[i], file_modes[i] == "x" ? 0755 : 0644, fds[3 + i].get());
    }

    for (auto& arg : argv) plan.argv.push_back(arg.data());
    plan.argv.push_back(nullptr);
    for (auto& entry : env) plan.envp.push_back(entry.data());
    plan.envp.push_back(nullptr);
    plan.candidates = exec_candidates(argv[0], env);
    for (const auto& candidate : plan.candidates) plan.candidate_ptrs.push_back(candidate.c_str());
    for (int i = 0; i < 3; ++i) plan.stdio[i] = fds[i].get();
    plan.slot = &slot_;
    plan.filter.len = static_cast<unsigned short>(filter.size() / sizeof(sock_filter));
    plan.filter.filter = reinterpret_cast<sock_filter*>(const_cast<char*>(filter.data()));
    plan.control_socket = control_;

    const int64_t started_us = monotonic_us();
    const pid_t child = spawn(plan);
    for (auto& fd : fds) fd.reset();
    if (plan.failed_step != nullptr) {
      kill_everything();
      const bool exec_failed = std::strcmp(plan.failed_step, "execve") == 0;
      const std::string reason = exec_failed
                                     ? "cannot execute '" + argv[0] + "'"
                                     : std::string("sandbox setup failed: ") + plan.failed_step;
      reply_ = {wire::Writer(wire::Type::kFailed)
                    .str(reason + ": " + std::strerror(plan.failed_errno))
                    .u64(exec_failed ? 1 : 0)
                    .bytes(),
                {}};
      return;
    }
    wire::send_message(control_, wire::Writer(wire::Type::kStarted).bytes());
    const int status = wait_for(child);
    const int64_t wall_us = monotonic_us() - started_us;
    kill_everything();
    prepare_exit_reply(box.get(), status, wall_us, collect, collect_max);
  }

  static pid_t spawn(SpawnPlan& plan) {
    alignas(16) static char stack[256 * 1024];
    const pid_t child =
        ::clone(child_main, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD, &plan);
    if (child < 0) throw_errno("clone", errno);
    return child;
  }

  void place_file(int box, const std::string& name, mode_t mode, int source) {
    if (!valid_file_name(name)) throw SandboxError("invalid file name '" + name + "'");
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
    if (::fchmod(target.get(), mode) != 0 || ::fchown(target.get(), slot_.uid, slot_.gid) != 0) {
      throw_errno("set owner of /box/" + name, errno);
    }
  }

  // Waits for the main process, reaping orphans on the way and obeying kill requests.
  int wait_for(pid_t child) {
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
        if (wire::Reader(message->body).type() == wire::Type::kKill) ::kill(-1, SIGKILL);
      }
    }
  }

  std::optional<int> reap(pid_t child) {
    for (;;) {
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return std::nullopt;
      if (pid == child) return status;
    }
  }

  // From PID 1, kill(-1) signals every other process of the namespace: the whole run.
  void kill_everything() {
    ::kill(-1, SIGKILL);
    while (::waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
    }
  }

  void prepare_exit_reply(int box, int status, int64_t wall_us,
                          const std::vector<std::string>& collect, int64_t collect_max) {
    std::vector<std::string> names;
    std::vector<UniqueFd> files;
    std::string problems;
    for (const auto& name : expand_wildcards(box, collect)) {
      UniqueFd file(valid_file_name(name) ? ::openat(box, name.c_str(),
                                                     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
                                          : -1);
      struct stat st;
      if (!file.valid() || ::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        problems += name + ": not a regular file in /box; ";
      } else if (st.st_size > collect_max) {
        problems += name + ": larger than " + std::to_string(collect_max) + " bytes; ";
      } else {
        names.push_back(name);
        files.push_back(std::move(file));
      }
    }
    reply_ = {wire::Writer(wire::Type::kExited)
                  .u64(static_cast<uint64_t>(status))
                  .u64(static_cast<uint64_t>(wall_us))
                  .strs(names)
                  .str(problems)
                  .bytes(),
              std::move(files)};
  }

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

  void prepare_next_box() {
    replace_work_dirs(slot_.box_bytes, slot_.tmp_bytes, slot_.uid, slot_.gid);
    // SysV IPC objects and POSIX message queues of this run must not reach the next one.
    if (::unshare(CLONE_NEWIPC) != 0) throw_errno("unshare IPC namespace", errno);
  }

  // The answer to the current run, sent once the box is ready for the next one.
  struct Reply {
    std::string body;
    std::vector<UniqueFd> fds;  // Collected files, opened before /box is replaced.
  };

  int control_;
  Reply reply_;
  SlotSetup slot_;
  UniqueFd child_events_;
};

}  // namespace

int box_keeper_main(int control_socket) {
  try {
    return BoxKeeper(control_socket).serve();
  } catch (const std::exception& error) {
    ::dprintf(2, "codearena-box: %s\n", error.what());
    return 1;
  }
}

}  // namespace codearena::sandbox
