#include "sandbox/supervisor.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>

#include "sandbox/errors.h"
#include "sandbox/handover.h"
#include "sandbox/keeper_protocol.h"
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
  if (request.handover) {
    UniqueFd pipe(::fcntl(request.handover->stdin_fd(), F_DUPFD_CLOEXEC, 0));
    if (!pipe.valid()) throw_errno("dup the hand-over pipe", errno);
    return pipe;
  }
  if (request.stdin_content) return sealed_memfd(*request.stdin_content, "stdin");
  if (request.stdin_path.empty()) return open_host_file("/dev/null");
  const UniqueFd host = open_host_file(request.stdin_path);
  return sealed_memfd(pread_text(host.get(), request.stdin_path), "stdin");
}

UniqueFd input_fd(const InputFile& file) {
  if (!is_plain_file_name(file.name)) {
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

// Reads a file a keeper handed back, trusting nothing about it: it must be a regular file
// (not a pipe, device or eventfd that could block or never end) no larger than `max_bytes`.
std::string read_collected(int fd, const std::string& name, int64_t max_bytes) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    throw keeper::ProtocolError("collected file " + name + " is not a regular file");
  if (st.st_size > max_bytes)
    throw keeper::ProtocolError("collected file " + name + " is over its size limit");
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t filled = 0;
  while (filled < data.size()) {
    const ssize_t n = ::pread(fd, data.data() + filled, data.size() - filled, filled);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    filled += static_cast<size_t>(n);
  }
  data.resize(filled);
  return data;
}

// True when `fd` is a seccomp user-notification listener (an anonymous inode of that kind).
bool is_seccomp_listener(int fd) {
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  char target[64];
  const ssize_t n = ::readlink(link.c_str(), target, sizeof target);
  return n > 0 && std::string(target, static_cast<size_t>(n)) == "anon_inode:seccomp notify";
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

keeper::RunOrder run_order(uint64_t run_id, const RunRequest& request) {
  keeper::RunOrder order;
  order.run_id = run_id;
  order.argv = request.argv;
  order.env = environment_for(request);
  for (const auto& file : request.files) {
    order.file_names.push_back(file.name);
    order.file_executable.push_back(file.executable);
  }
  order.collect = request.collect;
  order.collect_max_bytes = request.collect_max_bytes;
  order.box_bytes = request.limits.box_bytes;
  order.tmp_bytes = request.limits.tmp_bytes;
  // The CPU backstop of each process must leave room for the warm-up before a hand-over.
  RunLimits process_limits = request.limits;
  if (request.handover) process_limits.cpu_ms += request.handover->warm_up_cpu_ms();
  order.limits = process_limits_for(process_limits);
  order.network_calls = request.network_calls;
  order.last_on_slot = request.last_on_slot;
  return order;
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
  RunWatch(int control, uint64_t run_id, SlotCgroup& cgroup, const RunRequest& request,
           UniqueFd out, UniqueFd err)
      : control_(control),
        run_id_(run_id),
        cgroup_(cgroup),
        limits_(request.limits),
        collect_max_bytes_(request.collect_max_bytes),
        cancel_fd_(request.cancel_token ? request.cancel_token->fd() : -1),
        handover_(request.handover.get()) {
    streams_[0].fd = std::move(out);
    streams_[1].fd = std::move(err);
    restart_wall_clock();
  }

  // Returns false when the keeper died or broke the protocol (the slot needs a new one).
  bool watch() {
    try {
      return watch_until_finished();
    } catch (const std::exception& error) {
      failure_ = error.what();
      exec_failed_ = false;
      finished_ = true;
      return false;
    }
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
    result.cpu_ms = (usage.cpu_ns - cpu_base_ns_) / 1'000'000;
    // The cgroup's figure is measured against the page cache earlier runs left charged to the
    // slot, so a small program that only reuses cached pages would read 0; its own resident
    // set is then the honest figure. That set also counts shared file pages charged to other
    // cgroups, which could put it above the limit the run was held to: it is capped there.
    const int64_t rss_floor_kb = std::min(peak_rss_kb_, limits_.memory_bytes / 1024);
    result.memory_kb = std::max(usage.memory_peak_bytes / 1024, rss_floor_kb);
    if (WIFEXITED(status_)) result.exit_code = WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) result.signal = WTERMSIG(status_);
    classify(result, usage);
    result.uncollected = collect_problems_;
    if (!collect_problems_.empty()) {
      if (!result.message.empty()) result.message += "; ";
      result.message += "not collected: " + collect_problems_;
    }
    return result;
  }

 private:
  bool watch_until_finished() {
    while (!finished_) {
      std::vector<pollfd> watched = {{control_, POLLIN, 0}};
      for (auto& stream : streams_) {
        if (stream.fd.valid()) watched.push_back({stream.fd.get(), POLLIN, 0});
      }
      if (listener_.valid()) watched.push_back({listener_.get(), POLLIN, 0});
      // Stays readable once cancelled: watched only until the kill is sent.
      if (cancel_fd_ >= 0 && !kill_sent_) watched.push_back({cancel_fd_, POLLIN, 0});
      if (waiting_for_input() && !kill_sent_)
        watched.push_back({handover_->handed_over_fd(), POLLIN, 0});
      const int ready = ::poll(watched.data(), watched.size(), next_timeout_ms());
      if (ready < 0 && errno != EINTR) throw_errno("poll", errno);
      for (const auto& entry : watched) {
        if (entry.revents == 0) continue;
        if (entry.fd == control_ && !on_control()) return false;
        if (entry.fd == listener_.get()) on_listener(entry.revents);
        if (entry.fd == cancel_fd_ && !finished_) kill(KillReason::kCancelled);
        // A run that ended or is being ended before its input came never gets it: the caller
        // sees Handover::delivered() false and does the work elsewhere.
        if (waiting_for_input() && entry.fd == handover_->handed_over_fd() && !finished_ &&
            !kill_sent_)
          on_handed_over();
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

  // Handles one message of the keeper; anything it did not promise ends the watch with
  // ProtocolError. Returns false when the keeper is gone.
  bool on_control() {
    auto message = wire::receive_message(control_);
    if (!message) {
      failure_ = "the sandbox keeper of this slot died";
      finished_ = true;
      return false;
    }
    wire::Reader reader(message->body);
    switch (keeper::keeper_message_type(message->body)) {
      case wire::Type::kStarted:
        on_started(keeper::decode_started(reader), message->fds);
        break;
      case wire::Type::kExited:
        on_exited(keeper::decode_exited(reader), message->fds);
        break;
      case wire::Type::kFailed: {
        const auto failed = keeper::decode_failed(reader);
        expect_run(failed.run_id, message->fds, 0);
        failure_ = failed.reason;
        exec_failed_ = failed.exec_failed && !started_;
        finished_ = true;
        break;
      }
      default:
        throw keeper::ProtocolError("an unexpected message during a run");
    }
    return true;
  }

  void expect_run(uint64_t run_id, const std::vector<UniqueFd>& fds, size_t fd_count) const {
    if (run_id != run_id_)
      throw keeper::ProtocolError("a message of run " + std::to_string(run_id) + " during run " +
                                  std::to_string(run_id_));
    if (fds.size() != fd_count)
      throw keeper::ProtocolError("a message with " + std::to_string(fds.size()) +
                                  " descriptors where " + std::to_string(fd_count) +
                                  " belong");
  }

  void on_started(const keeper::Started& started, std::vector<UniqueFd>& fds) {
    expect_run(started.run_id, fds, 1);
    if (started_) throw keeper::ProtocolError("a second start of one run");
    if (!is_seccomp_listener(fds.front().get()))
      throw keeper::ProtocolError("the start message carries no seccomp listener");
    started_ = true;
    listener_ = std::move(fds.front());
    // Copying input files took part of the time so far: the wall limit starts at exec.
    restart_wall_clock();
  }

  void on_exited(const keeper::Exited& exited, std::vector<UniqueFd>& fds) {
    expect_run(exited.run_id, fds, exited.collected.size());
    if (!started_) throw keeper::ProtocolError("an exit before the start");
    // The keeper reports the end once it has reaped every process of the run; a process still
    // in the slot's cgroup means the report is false.
    if (cgroup_.holds_processes())
      throw keeper::ProtocolError("the run was reported over while its processes live");
    std::map<std::string, std::string> collected;
    int64_t total = 0;
    for (size_t i = 0; i < fds.size(); ++i) {
      const auto& name = exited.collected[i];
      if (collected.count(name)) throw keeper::ProtocolError("file " + name + " sent twice");
      auto data = read_collected(fds[i].get(), name, collect_max_bytes_);
      total += static_cast<int64_t>(data.size());
      if (total > limits_.box_bytes)
        throw keeper::ProtocolError("collected files larger than the box that held them");
      collected[name] = std::move(data);
    }
    collected_ = std::move(collected);
    status_ = exited.wait_status;
    wall_us_ = exited.wall_us;
    peak_rss_kb_ = exited.peak_rss_kb;
    collect_problems_ = exited.problems;
    if (handed_over_at_ns_ > 0) wall_us_ = (monotonic_ns() - handed_over_at_ns_) / 1000;
    finished_ = true;
  }

  void restart_wall_clock() {
    const int64_t limit_ms =
        waiting_for_input() ? handover_->max_wait_ms() : limits_.wall_limit_ms();
    wall_deadline_ns_ = monotonic_ns() + limit_ms * 1'000'000;
  }

  bool waiting_for_input() const { return handover_ != nullptr && handed_over_at_ns_ == 0; }

  // From here on the run is the input's: its CPU time counts from the counter's reading now,
  // its wall time from now, and what the program wrote while it got ready is not its output.
  void on_handed_over() {
    cpu_base_ns_ = cgroup_.cpu_ns_so_far();
    cpu_ns_ = cpu_base_ns_;
    cpu_read_at_ns_ = monotonic_ns();
    for (auto& stream : streams_) drop_pending(stream);
    handover_->deliver();
    handed_over_at_ns_ = monotonic_ns();
    restart_wall_clock();
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
    // Before the hand-over the program is getting ready: what it writes only says when it is,
    // and counts against no limit.
    if (waiting_for_input()) {
      if (&stream == &streams_[0]) handover_->note_output(buffer, static_cast<size_t>(n));
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

  // Drops what the program wrote into `stream` before the hand-over and the watcher has not
  // read yet: only the bytes there now, so that a program still writing cannot hold it here.
  void drop_pending(Capture& stream) {
    int pending = 0;
    if (!stream.fd.valid() || ::ioctl(stream.fd.get(), FIONREAD, &pending) != 0) return;
    char buffer[65536];
    while (pending > 0) {
      const ssize_t n =
          ::read(stream.fd.get(), buffer, std::min(sizeof buffer, static_cast<size_t>(pending)));
      if (n <= 0) return;
      pending -= static_cast<int>(n);
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
    if (cpu_upper_bound_ns() > cpu_limit_ns()) kill(KillReason::kCpu);
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
    const int64_t cpu_left_ms = (cpu_limit_ns() - cpu_upper_bound_ns()) / 1'000'000 / cores();
    const int64_t deadline = kill_sent_ ? wall_deadline_ns_ + kKeeperGraceNs : wall_deadline_ns_;
    const int64_t wall_left_ms = (deadline - monotonic_ns()) / 1'000'000;
    return static_cast<int>(std::clamp<int64_t>(std::min(cpu_left_ms, wall_left_ms), 1, 100));
  }

  static int64_t cores() {
    static const int64_t online = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
    return online;
  }

  // The CPU limit in force: the warm-up's until a hand-over, then the run's.
  int64_t cpu_limit_ns() const {
    return (waiting_for_input() ? handover_->warm_up_cpu_ms() : limits_.cpu_ms) * 1'000'000;
  }

  // The CPU time counted so far (since the hand-over, for a run that has one) cannot exceed
  // the last reading plus every core busy since then; the cgroup is read only when that bound
  // reaches the limit, which keeps short runs from paying for counter reads they cannot need.
  int64_t cpu_upper_bound_ns() {
    const int64_t now = monotonic_ns();
    const int64_t bound = cpu_ns_ - cpu_base_ns_ + (now - cpu_read_at_ns_) * cores();
    if (bound <= cpu_limit_ns()) return bound;
    cpu_ns_ = cgroup_.cpu_ns_so_far();
    cpu_read_at_ns_ = now;
    return cpu_ns_ - cpu_base_ns_;
  }

  void kill(KillReason reason) {
    if (reason_ == KillReason::kNone) reason_ = reason;
    if (!kill_sent_) {
      wire::send_message(control_, keeper::encode(keeper::KillOrder{run_id_}));
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
    } else if (reason_ == KillReason::kCpu || result.cpu_ms > limits_.cpu_ms ||
               (signal == SIGXCPU && result.cpu_ms >= limits_.cpu_ms)) {
      // SIGXCPU alone proves nothing: a program may send it to itself to pass a crash off as
      // a time limit. The kernel sends it only past RLIMIT_CPU, which lies above the limit.
      result.status = RunStatus::kCpuTimeLimit;
      result.message = "CPU time limit of " + std::to_string(limits_.cpu_ms) + " ms exceeded";
    } else if (reason_ == KillReason::kWall || over_wall_limit()) {
      result.status = RunStatus::kWallTimeLimit;
      result.message = "wall time limit of " + std::to_string(limits_.wall_limit_ms()) +
                       " ms exceeded after " + std::to_string(result.cpu_ms) +
                       " ms of CPU time: the program slept, blocked or waited for a CPU";
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

  // The keeper's wall time runs from just before exec, a little earlier than the deadline this
  // side enforces from the start message: a program ending between the two is still over.
  bool over_wall_limit() const { return wall_us_ > limits_.wall_limit_ms() * 1000; }

  int control_;
  uint64_t run_id_;
  SlotCgroup& cgroup_;
  RunLimits limits_;
  int64_t collect_max_bytes_;
  int cancel_fd_;  // -1 when the run cannot be cancelled.
  Handover* handover_;  // Null for a run whose stdin is known at the start.
  int64_t handed_over_at_ns_ = 0;  // 0 until the input is handed over.
  int64_t cpu_base_ns_ = 0;        // The CPU counter at the hand-over.
  Capture streams_[2];
  UniqueFd listener_;
  int64_t wall_deadline_ns_ = 0;
  int64_t cpu_ns_ = 0;
  int64_t cpu_read_at_ns_ = monotonic_ns();
  bool started_ = false;
  bool finished_ = false;
  bool kill_sent_ = false;
  KillReason reason_ = KillReason::kNone;
  int status_ = 0;
  int64_t wall_us_ = 0;
  int64_t peak_rss_kb_ = 0;
  std::string violation_;
  std::string failure_;
  bool exec_failed_ = false;
  std::string collect_problems_;
  std::map<std::string, std::string> collected_;
};

// Waits up to `timeout_ms` for the keeper's ready message; returns what was wrong instead, or
// an empty string.
std::string await_ready(int control, int timeout_ms) {
  pollfd reply_pending{control, POLLIN, 0};
  if (::poll(&reply_pending, 1, timeout_ms) == 0)
    return "not ready within " + std::to_string(timeout_ms) + " ms";
  try {
    auto reply = wire::receive_message(control);
    if (!reply) return "exited before it was ready";
    wire::Reader reader(reply->body);
    if (keeper::keeper_message_type(reply->body) == wire::Type::kFailed)
      return keeper::decode_failed(reader).reason;
    keeper::decode_ready(reader);
    if (!reply->fds.empty()) return "its ready message carries descriptors";
  } catch (const SandboxError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

RunResult cancelled_before_start() {
  RunResult result;
  result.status = RunStatus::kCancelled;
  result.message = "cancelled before it started";
  return result;
}

namespace {

std::string encoded_setup(const SlotConfig& config) {
  const RunLimits defaults;
  keeper::SetupOrder setup;
  setup.uid = config.uid;
  setup.last_capability = config.last_capability;
  setup.filters[0] = config.seccomp_filter;
  setup.filters[1] = config.seccomp_filter_refuse;
  setup.box_bytes = defaults.box_bytes;
  setup.tmp_bytes = defaults.tmp_bytes;
  setup.staging_dir = config.staging_dir;
  setup.binds = config.binds;
  return keeper::encode(setup);
}

}  // namespace

uint64_t setup_digest(const SlotConfig& config) {
  return std::hash<std::string>{}(encoded_setup(config) + inherited_process_state() +
                                    bind_sources_state(config.binds));
}

KeeperProcess start_slot_keeper(const SlotConfig& config, bool network_later) {
  KeeperProcess keeper = spawn_box_keeper(config.helper_path, network_later);
  try {
    wire::send_message(keeper.control.get(), encoded_setup(config));
  } catch (const SandboxError&) {
    // A keeper whose exec failed has exited already; one that lives on is killed: either way
    // it is reaped here, as no slot will hold its pid.
    ::kill(keeper.pid, SIGKILL);
    reap_box_keeper(keeper.pid, 0);
    throw;
  }
  return keeper;
}

Slot::Slot(SlotConfig config, std::unique_ptr<SlotCgroup> cgroup, KeeperProcess started,
           std::optional<KeptNetworkNamespace> kept)
    : config_(std::move(config)),
      cgroup_(std::move(cgroup)),
      keeper_(std::move(started)),
      kept_network_(std::move(kept)),
      keeper_starting_(keeper_.control.valid()) {}

Slot::~Slot() {
  const auto parked = park_keeper();
  if (!parked) stop_keeper();
  // No process of a run is left: the slot's cgroup was empty when its keeper was killed or
  // parked, or the keeper was reaped and took its PID namespace with it.
  if (!kept_network_) return;
  if (parked) {
    kept_network_->release_parked(*parked);
  } else {
    kept_network_->release();
  }
}

std::optional<ParkedKeeper> Slot::park_keeper() noexcept {
  if (!kept_network_ || !keeper_in_kept_network_ || keeper_starting_ || !keeper_.control.valid())
    return std::nullopt;
  try {
    if (!keeper_fit_for_next_run() || kept_network_->holds_sockets()) return std::nullopt;
    const auto started = start_ticks_of(keeper_.pid);
    const UniqueFd engine_end(::fcntl(keeper_.control.get(), F_DUPFD_CLOEXEC, 0));
    if (!started || !engine_end.valid()) return std::nullopt;
    const keeper::ParkOrder order{config_.parked_keeper_idle_ms};
    wire::send_message(keeper_.control.get(), keeper::encode(order), {engine_end.get()});
    // Its ready says it holds the socket end where the lock file is to say.
    if (!await_ready(keeper_.control.get(), config_.keeper_start_timeout_ms).empty())
      return std::nullopt;
    const ParkedKeeper parked{{keeper_.pid, *started}, keeper::kParkedEngineEnd,
                              config_.setup_digest};
    keeper_ = KeeperProcess{};
    return parked;
  } catch (const std::exception&) {
    return std::nullopt;  // Stopped instead.
  }
}

bool Slot::keeper_fit_for_next_run() {
  const bool ready =
      !box_pending_ || await_ready(keeper_.control.get(), kKeeperGraceNs / 1'000'000).empty();
  box_pending_ = false;
  pollfd idle{keeper_.control.get(), POLLIN, 0};
  return ready && ::poll(&idle, 1, 0) == 0 && cgroup_is_empty();
}

bool Slot::ensure_keeper() {
  // A keeper prepares the next box after it reported the run's end. Until its ready message the
  // last run's files may still be charged to the slot's cgroup, so no baseline is taken before.
  // Apart from that message a keeper has nothing to say between runs: a hang-up (it could not
  // prepare the next box and exited) or an unasked-for message means a new keeper, before a
  // run is lost to it. So does a process in the slot's cgroup, which the keeper could have let
  // in after it reported the run's end: it would run on into the next run, on its limits.
  if (keeper_starting_ && keeper_.pidfd.valid()) {
    if (join_adopted_keeper()) return false;
    // Started as the adopted one was: into the kept namespace, which it left clean.
    keeper_ = start_slot_keeper(config_, /*network_later=*/true);
    keeper_starting_ = true;
  }
  if (keeper_starting_) {
    // Started with the slot: nothing was ever run in the slot's cgroup, and the keeper's box is
    // not charged there, so the caller can ready the cgroup while the keeper joins.
    send_join();
    return true;
  }
  if (keeper_.control.valid()) {
    if (keeper_fit_for_next_run()) return false;
    stop_keeper(/*at_once=*/true);
  }
  if (!keeper_.control.valid()) {
    // A keeper that died took its processes with it; wait until the kernel has removed them.
    for (int i = 0; i < 1000 && cgroup_->holds_processes(); ++i) ::usleep(1000);
    keeper_ = start_slot_keeper(config_);
  }
  // A keeper stopped just now may not be gone yet, nor the memory of its box: no baseline is
  // taken before the new keeper's ready.
  send_join();
  await_new_keeper();
  return false;
}

bool Slot::join_adopted_keeper() {
  keeper_starting_ = false;
  std::string problem;
  try {
    send_join_order();
    problem = await_ready(keeper_.control.get(), config_.keeper_start_timeout_ms);
  } catch (const SandboxError& error) {
    problem = error.what();
  }
  box_pending_ = false;
  if (!problem.empty()) {
    stop_keeper(/*at_once=*/true);
    return false;
  }
  keeper_in_kept_network_ = true;
  return true;
}

void Slot::send_join() {
  keeper_starting_ = false;
  try {
    send_join_order();
  } catch (const SandboxError& error) {
    fail_keeper_start(error.what());
  }
}

void Slot::send_join_order() {
  const keeper::JoinOrder join{keeper_.in_engine_network};
  std::vector<UniqueFd> owned;
  std::vector<int> fds;
  if (join.network_namespace) fds.push_back(network_for_keeper(owned));
  for (const auto& path : cgroup_->join_files()) {
    owned.emplace_back(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!owned.back().valid()) throw_errno("open " + path, errno);
    fds.push_back(owned.back().get());
  }
  wire::send_message(keeper_.control.get(), keeper::encode(join), fds);
  box_pending_ = true;
  keeper_in_kept_network_ = join.network_namespace && kept_network_.has_value();
}

void Slot::await_new_keeper() {
  const auto problem = await_ready(keeper_.control.get(), config_.keeper_start_timeout_ms);
  box_pending_ = false;
  if (!problem.empty()) fail_keeper_start(problem);
}

void Slot::fail_keeper_start(const std::string& problem) {
  stop_keeper(/*at_once=*/true);
  throw SandboxError("slot " + std::to_string(config_.index) + ": sandbox keeper failed: " +
                     problem);
}

int Slot::network_for_keeper(std::vector<UniqueFd>& owned) {
  if (kept_network_) return kept_network_->fd();
  owned.push_back(fresh_network_namespace());
  return owned.back().get();
}

bool Slot::cgroup_is_empty() const noexcept {
  try {
    return !cgroup_->holds_processes();
  } catch (const SandboxError&) {
    return false;  // Unknown: treated as holding a process.
  }
}

void Slot::stop_keeper(bool at_once) {
  if (!keeper_.control.valid()) return;
  // With the slot's cgroup empty the keeper holds nothing but its namespaces, which no other
  // process can enter: its exit (the mount namespace's teardown waits for an RCU grace period)
  // need not delay the caller, and the cgroup can be removed before it is over. It is killed
  // before its socket closes, so it ends the same way whatever it was doing.
  const bool left_to_exit = !config_.wait_for_keeper && cgroup_is_empty();
  // An adopted keeper is not this engine's child: signalled through its pidfd alone, and
  // reaped by its parent.
  const int adopted = keeper_.pidfd.get();
  if (left_to_exit && adopted >= 0) stop_adopted_keeper(adopted, 0);
  if (left_to_exit && adopted < 0) ::kill(keeper_.pid, SIGKILL);
  keeper_.control.reset();
  if (!left_to_exit && adopted >= 0) stop_adopted_keeper(adopted, at_once ? 0 : 2000);
  if (!left_to_exit && adopted < 0) reap_box_keeper(keeper_.pid, at_once ? 0 : 2000);
  keeper_ = KeeperProcess{};
  keeper_in_kept_network_ = false;
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
  bool joining = false;
  try {
    joining = ensure_keeper();
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
  const uint64_t run_id = ++last_run_id_;
  try {
    // A joining keeper reads the order only after its ready message: sent first, it waits
    // in the socket, and the keeper starts the run without another round trip.
    wire::send_message(keeper_.control.get(), keeper::encode(run_order(run_id, request)), fds);
    if (joining) await_new_keeper();
  } catch (const SandboxError& error) {
    stop_keeper(/*at_once=*/true);
    RunResult result;
    result.message = error.what();
    return result;
  }
  out.write.reset();
  err.write.reset();
  inputs.clear();

  RunWatch watch(keeper_.control.get(), run_id, *cgroup_, request, std::move(out.read),
                 std::move(err.read));
  // A keeper that died, hung or broke the protocol is not asked for anything again.
  if (!watch.watch()) {
    stop_keeper(/*at_once=*/true);
  } else {
    box_pending_ = !request.last_on_slot;
  }
  return watch.result();
}

}  // namespace codearena::sandbox
