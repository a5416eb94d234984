#include "sandbox/supervisor.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sandbox/errors.h"
#include "sandbox/rlimits.h"
#include "sandbox/seccomp_policy.h"
#include "sandbox/wire.h"

namespace codearena::sandbox {
namespace {

constexpr const char* kFixedEnvironment[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/box",
                                             "LANG=C.UTF-8", "TMPDIR=/tmp"};

int64_t monotonic_ns() {
  timespec now;
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

UniqueFd sealed_memfd(const std::string& content, const char* name) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd.valid()) throw_errno("memfd_create", errno);
  for (size_t written = 0; written < content.size();) {
    const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("write memfd", errno);
    written += static_cast<size_t>(n);
  }
  ::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
  ::lseek(fd.get(), 0, SEEK_SET);
  return fd;
}

UniqueFd open_host_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw_errno("open input file " + path, errno);
  return fd;
}

// The program reads stdin from a private copy: a sealed memfd, never a host file it could reopen.
UniqueFd stdin_for(const RunRequest& request) {
  if (request.stdin_content) return sealed_memfd(*request.stdin_content, "stdin");
  if (request.stdin_path.empty()) return open_host_file("/dev/null");
  const UniqueFd host = open_host_file(request.stdin_path);
  return sealed_memfd(pread_text(host.get(), request.stdin_path), "stdin");
}

UniqueFd input_fd(const InputFile& file) {
  if (file.name.empty() || file.name == "." || file.name == ".." ||
      file.name.find('/') != std::string::npos) {
    throw SandboxError("invalid file name '" + file.name + "': a plain name is needed");
  }
  return file.host_path.empty() ? sealed_memfd(file.content, "input")
                                : open_host_file(file.host_path);
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Pipe make_pipe() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) throw_errno("pipe2", errno);
  ::fcntl(ends[0], F_SETFL, O_NONBLOCK);
  return {UniqueFd(ends[0]), UniqueFd(ends[1])};
}

std::string read_all(int fd) {
  std::string data;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return data;
    data.append(buffer, static_cast<size_t>(n));
  }
}

std::vector<std::string> environment_for(const RunRequest& request) {
  std::vector<std::string> env(std::begin(kFixedEnvironment), std::end(kFixedEnvironment));
  for (const auto& entry : request.env) {
    const auto name = entry.substr(0, entry.find('=') + 1);
    env.erase(std::remove_if(env.begin(), env.end(),
                             [&](const std::string& e) { return e.rfind(name, 0) == 0; }),
              env.end());
    env.push_back(entry);
  }
  return env;
}

std::string run_message(const RunRequest& request) {
  std::vector<std::string> names;
  std::vector<std::string> modes;
  for (const auto& file : request.files) {
    names.push_back(file.name);
    modes.push_back(file.executable ? "x" : "r");
  }
  const auto limits = process_limits_for(request.limits);
  return wire::Writer(wire::Type::kRun)
      .strs(request.argv)
      .strs(environment_for(request))
      .strs(names)
      .strs(modes)
      .strs(request.collect)
      .u64(static_cast<uint64_t>(request.collect_max_bytes))
      .u64(static_cast<uint64_t>(request.limits.box_bytes))
      .u64(static_cast<uint64_t>(request.limits.tmp_bytes))
      .u64(static_cast<uint64_t>(limits.cpu_seconds))
      .u64(static_cast<uint64_t>(limits.file_size_bytes))
      .u64(static_cast<uint64_t>(limits.open_files))
      .u64(static_cast<uint64_t>(limits.stack_bytes))
      .u64(static_cast<uint64_t>(limits.address_space_bytes))
      .u64(request.network_calls == NetworkCalls::kRefuse ? 1 : 0)
      .bytes();
}

// One captured output stream.
struct Capture {
  UniqueFd fd;
  std::string data;
  bool truncated = false;
};

enum class KillReason { kNone, kOutput, kCpu, kWall, kViolation, kCancelled };

// How long past the wall deadline a keeper may take to report the end of a run it was told to
// kill before the slot gives up on it.
constexpr int64_t kKeeperGraceNs = 5'000'000'000;

// Watches one run from the engine side until the keeper reports its end.
class RunWatch {
 public:
  RunWatch(int control, SlotCgroup& cgroup, const RunRequest& request, UniqueFd out, UniqueFd err)
      : control_(control),
        cgroup_(cgroup),
        limits_(request.limits),
        collect_(request.collect),
        cancel_fd_(request.cancel_token ? request.cancel_token->fd() : -1) {
    streams_[0].fd = std::move(out);
    streams_[1].fd = std::move(err);
    restart_wall_clock();
  }

  // Returns false when the keeper died (the slot needs a new one).
  bool watch() {
    while (!finished_) {
      std::vector<pollfd> watched = {{control_, POLLIN, 0}};
      for (auto& stream : streams_) {
        if (stream.fd.valid()) watched.push_back({stream.fd.get(), POLLIN, 0});
      }
      if (listener_.valid()) watched.push_back({listener_.get(), POLLIN, 0});
      // Stays readable once cancelled: watched only until the kill is sent.
      if (cancel_fd_ >= 0 && !kill_sent_) watched.push_back({cancel_fd_, POLLIN, 0});
      const int ready = ::poll(watched.data(), watched.size(), next_timeout_ms());
      if (ready < 0 && errno != EINTR) throw_errno("poll", errno);
      for (const auto& entry : watched) {
        if (entry.revents == 0) continue;
        if (entry.fd == control_ && !on_control()) return false;
        if (entry.fd == listener_.get()) on_listener(entry.revents);
        if (entry.fd == cancel_fd_ && !finished_) kill(KillReason::kCancelled);
        for (auto& stream : streams_) {
          if (entry.fd == stream.fd.get()) on_output(stream);
        }
      }
      if (!check_limits()) return false;
    }
    for (auto& stream : streams_) {
      while (stream.fd.valid()) on_output(stream);
    }
    if (listener_.valid()) on_listener(POLLIN);
    return true;
  }

  RunResult result() {
    RunResult result;
    result.stdout_data = std::move(streams_[0].data);
    result.stdout_truncated = streams_[0].truncated;
    result.stderr_data = std::move(streams_[1].data);
    result.stderr_truncated = streams_[1].truncated;
    result.collected = std::move(collected_);
    result.violation = violation_;
    result.wall_ms = wall_us_ / 1000;
    if (!failure_.empty()) {
      result.status = exec_failed_ ? RunStatus::kRuntimeError : RunStatus::kInternalError;
      result.exit_code = exec_failed_ ? 127 : 0;
      result.message = failure_;
      return result;
    }
    const auto usage = cgroup_.end_run();
    result.cpu_ms = usage.cpu_ns / 1'000'000;
    result.memory_kb = usage.memory_peak_bytes / 1024;
    if (WIFEXITED(status_)) result.exit_code = WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) result.signal = WTERMSIG(status_);
    classify(result, usage);
    result.message += collect_problems_;
    return result;
  }

 private:
  bool on_control() {
    auto message = wire::receive_message(control_);
    if (!message) {
      failure_ = "the sandbox keeper of this slot died";
      finished_ = true;
      return false;
    }
    wire::Reader reader(message->body);
    switch (reader.type()) {
      case wire::Type::kListener:
        if (!message->fds.empty()) listener_ = std::move(message->fds.front());
        break;
      case wire::Type::kStarted:
        // Copying input files took part of the time so far: the wall limit starts at exec.
        restart_wall_clock();
        break;
      case wire::Type::kExited:
        status_ = static_cast<int>(reader.u64());
        wall_us_ = static_cast<int64_t>(reader.u64());
        take_collected(reader.strs(), message->fds);
        collect_problems_ = reader.str();
        finished_ = true;
        break;
      case wire::Type::kFailed:
        failure_ = reader.str();
        exec_failed_ = reader.u64() == 1;
        finished_ = true;
        break;
      default:
        break;
    }
    return true;
  }

  void restart_wall_clock() {
    wall_deadline_ns_ = monotonic_ns() + limits_.wall_limit_ms() * 1'000'000;
  }

  void take_collected(const std::vector<std::string>& names, std::vector<UniqueFd>& fds) {
    for (size_t i = 0; i < names.size() && i < fds.size(); ++i)
      collected_[names[i]] = read_all(fds[i].get());
  }

  void on_output(Capture& stream) {
    char buffer[65536];
    const ssize_t n = ::read(stream.fd.get(), buffer, sizeof buffer);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (finished_) stream.fd.reset();  // Every writer is gone once the run has ended.
      return;
    }
    if (n <= 0) {
      stream.fd.reset();
      return;
    }
    const auto room =
        static_cast<size_t>(std::max<int64_t>(0, limits_.output_bytes - stream.data.size()));
    stream.data.append(buffer, std::min(room, static_cast<size_t>(n)));
    if (static_cast<size_t>(n) > room && !stream.truncated) {
      stream.truncated = true;
      kill(KillReason::kOutput);
    }
  }

  void on_listener(short revents) {
    if (revents & POLLIN) {
      static const size_t size = notification_size();
      std::vector<char> buffer(size, 0);
      pollfd probe{listener_.get(), POLLIN, 0};
      if (::poll(&probe, 1, 0) == 1 && (probe.revents & POLLIN) &&
          ::ioctl(listener_.get(), SECCOMP_IOCTL_NOTIF_RECV, buffer.data()) == 0) {
        const auto* notification = reinterpret_cast<const seccomp_notif*>(buffer.data());
        if (violation_.empty())
          violation_ = syscall_name(notification->data.arch, notification->data.nr);
        kill(KillReason::kViolation);
        return;
      }
    }
    if (revents & (POLLHUP | POLLERR | POLLNVAL) || finished_) listener_.reset();
  }

  static size_t notification_size() {
    seccomp_notif_sizes sizes{};
    if (::syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) != 0)
      return sizeof(seccomp_notif);
    return std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif));
  }

  // Returns false when the keeper failed to end the run long after it was told to.
  bool check_limits() {
    if (finished_) return true;
    cgroup_.sample();
    const int64_t now = monotonic_ns();
    if (now >= wall_deadline_ns_) kill(KillReason::kWall);
    if (cpu_upper_bound_ns() > limits_.cpu_ms * 1'000'000) kill(KillReason::kCpu);
    if (now >= wall_deadline_ns_ + kKeeperGraceNs) {
      failure_ = "the sandbox keeper of this slot did not end the run; it was restarted";
      finished_ = true;
      return false;
    }
    return true;
  }

  // Sleeps no longer than the time in which the run could cross its CPU limit even with every
  // core busy, so the limit is enforced within a few milliseconds without busy polling.
  int next_timeout_ms() {
    const int64_t cpu_left_ms =
        (limits_.cpu_ms * 1'000'000 - cpu_upper_bound_ns()) / 1'000'000 / cores();
    const int64_t deadline = kill_sent_ ? wall_deadline_ns_ + kKeeperGraceNs : wall_deadline_ns_;
    const int64_t wall_left_ms = (deadline - monotonic_ns()) / 1'000'000;
    return static_cast<int>(std::clamp<int64_t>(std::min(cpu_left_ms, wall_left_ms), 1, 100));
  }

  static int64_t cores() {
    static const int64_t online = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
    return online;
  }

  // The CPU time used so far cannot exceed the last reading plus every core busy since then;
  // the cgroup is read only when that bound reaches the limit, which keeps short runs from
  // paying for counter reads they cannot need.
  int64_t cpu_upper_bound_ns() {
    const int64_t now = monotonic_ns();
    const int64_t bound = cpu_ns_ + (now - cpu_read_at_ns_) * cores();
    if (bound <= limits_.cpu_ms * 1'000'000) return bound;
    cpu_ns_ = cgroup_.cpu_ns_so_far();
    cpu_read_at_ns_ = now;
    return cpu_ns_;
  }

  void kill(KillReason reason) {
    if (reason_ == KillReason::kNone) reason_ = reason;
    if (!kill_sent_) {
      wire::send_message(control_, wire::Writer(wire::Type::kKill).bytes());
      kill_sent_ = true;
    }
  }

  void classify(RunResult& result, const CgroupUsage& usage) const {
    const int signal = result.signal;
    if (reason_ == KillReason::kCancelled) {
      result.status = RunStatus::kCancelled;
      result.message = "cancelled";
    } else if (reason_ == KillReason::kViolation || (signal == SIGSYS && !violation_.empty())) {
      result.status = RunStatus::kSecurityViolation;
      result.message = "blocked system call: " + violation_;
    } else if (signal == SIGSYS) {
      result.status = RunStatus::kSecurityViolation;
      result.violation = "non-native system call ABI";
      result.message = "blocked system call: non-native ABI (i386 or x32)";
    } else if (reason_ == KillReason::kOutput || signal == SIGXFSZ) {
      result.status = RunStatus::kOutputLimit;
      result.message = signal == SIGXFSZ
                           ? "a file grew past the file size limit"
                           : "output passed " + std::to_string(limits_.output_bytes) + " bytes";
    } else if (reason_ == KillReason::kCpu || signal == SIGXCPU || result.cpu_ms > limits_.cpu_ms) {
      result.status = RunStatus::kCpuTimeLimit;
      result.message = "CPU time limit of " + std::to_string(limits_.cpu_ms) + " ms exceeded";
    } else if (reason_ == KillReason::kWall) {
      result.status = RunStatus::kWallTimeLimit;
      result.message =
          "wall time limit of " + std::to_string(limits_.wall_limit_ms()) + " ms exceeded";
    } else if (usage.oom_kills > 0 ||
               ((signal != 0 || result.exit_code != 0) && usage.memory_limit_hits > 0)) {
      result.status = RunStatus::kMemoryLimit;
      result.message =
          "memory limit of " + std::to_string(limits_.memory_bytes >> 10) + " KiB exceeded";
    } else if (signal != 0) {
      result.status = RunStatus::kSignaled;
      result.message = "killed by " + signal_name(signal);
    } else if (result.exit_code != 0) {
      result.status = RunStatus::kRuntimeError;
      result.message = "exited with code " + std::to_string(result.exit_code);
    } else {
      result.status = RunStatus::kOk;
    }
  }

  int control_;
  SlotCgroup& cgroup_;
  RunLimits limits_;
  std::vector<std::string> collect_;
  int cancel_fd_;  // -1 when the run cannot be cancelled.
  Capture streams_[2];
  UniqueFd listener_;
  int64_t wall_deadline_ns_ = 0;
  int64_t cpu_ns_ = 0;
  int64_t cpu_read_at_ns_ = monotonic_ns();
  bool finished_ = false;
  bool kill_sent_ = false;
  KillReason reason_ = KillReason::kNone;
  int status_ = 0;
  int64_t wall_us_ = 0;
  std::string violation_;
  std::string failure_;
  bool exec_failed_ = false;
  std::string collect_problems_;
  std::map<std::string, std::string> collected_;
};

}  // namespace

RunResult cancelled_before_start() {
  RunResult result;
  result.status = RunStatus::kCancelled;
  result.message = "cancelled before it started";
  return result;
}

Slot::Slot(SlotConfig config, std::unique_ptr<SlotCgroup> cgroup)
    : config_(std::move(config)), cgroup_(std::move(cgroup)) {}

Slot::~Slot() {
  stop_keeper();
}

void Slot::ensure_keeper() {
  if (keeper_.control.valid()) return;
  // A keeper that died took its processes with it; wait until the kernel has removed them.
  for (int i = 0; i < 1000 && cgroup_->process_count() > 0; ++i) ::usleep(1000);
  keeper_ = spawn_box_keeper(config_.helper_path);
  std::vector<std::string> binds;
  for (const auto& bind : config_.binds) binds.push_back((bind.optional ? "?" : "!") + bind.path);
  std::vector<int> procs_fds;
  std::vector<UniqueFd> owned;
  for (const auto& path : cgroup_->procs_files()) {
    owned.emplace_back(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!owned.back().valid()) throw_errno("open " + path, errno);
    procs_fds.push_back(owned.back().get());
  }
  const RunLimits defaults;
  wire::send_message(keeper_.control.get(),
                     wire::Writer(wire::Type::kSetup)
                         .u64(config_.uid)
                         .u64(config_.uid)
                         .u64(static_cast<uint64_t>(config_.last_capability))
                         .str(config_.seccomp_filter)
                         .str(config_.seccomp_filter_refuse)
                         .u64(static_cast<uint64_t>(defaults.box_bytes))
                         .u64(static_cast<uint64_t>(defaults.tmp_bytes))
                         .str(config_.staging_dir)
                         .strs(binds)
                         .bytes(),
                     procs_fds);
  auto reply = wire::receive_message(keeper_.control.get());
  if (!reply || wire::Reader(reply->body).type() != wire::Type::kReady) {
    std::string reason = "exited before it was ready";
    if (reply) reason = wire::Reader(reply->body).str();
    stop_keeper();
    throw SandboxError("slot " + std::to_string(config_.index) +
                       ": sandbox keeper failed: " + reason);
  }
}

void Slot::stop_keeper() {
  if (!keeper_.control.valid()) return;
  keeper_.control.reset();
  reap_box_keeper(keeper_.pid, 2000);
  keeper_.pid = -1;
}

RunResult Slot::run(const RunRequest& request) {
  if (request.argv.empty()) throw SandboxError("nothing to run: the command is empty");
  if (const auto problem = request.limits.problem(); !problem.empty()) {
    throw SandboxError("invalid limits: " + problem);
  }
  if (request.cancel_token && request.cancel_token->cancelled()) return cancelled_before_start();
  std::vector<UniqueFd> inputs;
  for (const auto& file : request.files) inputs.push_back(input_fd(file));
  UniqueFd stdin_fd = stdin_for(request);
  try {
    ensure_keeper();
    cgroup_->apply_limits(request.limits);
    cgroup_->begin_run();
  } catch (const SandboxError& error) {
    RunResult result;
    result.message = error.what();
    return result;
  }
  Pipe out = make_pipe();
  Pipe err = make_pipe();
  std::vector<int> fds = {stdin_fd.get(), out.write.get(), err.write.get()};
  for (const auto& input : inputs) fds.push_back(input.get());
  try {
    wire::send_message(keeper_.control.get(), run_message(request), fds);
  } catch (const SandboxError& error) {
    stop_keeper();
    RunResult result;
    result.message = error.what();
    return result;
  }
  out.write.reset();
  err.write.reset();
  inputs.clear();

  RunWatch watch(keeper_.control.get(), *cgroup_, request, std::move(out.read),
                 std::move(err.read));
  if (!watch.watch()) stop_keeper();
  return watch.result();
}

}  // namespace codearena::sandbox
