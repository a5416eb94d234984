#include "sandbox/cgroup_v2.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

namespace codearena::sandbox {
namespace {

constexpr int64_t kCpuPeriodUs = 100'000;

class SlotCgroupV2 final : public SlotCgroup {
 public:
  explicit SlotCgroupV2(std::string dir) : dir_(std::move(dir)) {
    // One OOM kill ends the whole run instead of leaving half a process tree behind.
    try_write_text_file(file("memory.oom.group"), "1");
    try_write_text_file(file("memory.swap.max"), "0");
    peak_fd_.reset(::open(file("memory.peak").c_str(), O_RDWR | O_CLOEXEC));
    // Kept open: a read from offset 0 restarts the kernel's walk of the cgroup's processes, so
    // each read is current, and the slot checks it twice per run.
    procs_fd_.reset(::open(file("cgroup.procs").c_str(), O_RDONLY | O_CLOEXEC));
    if (!procs_fd_.valid()) throw_errno("open " + file("cgroup.procs"), errno);
    take_baseline();
  }

  void apply_limits(const RunLimits& limits) override {
    write_if_changed("memory.max", std::to_string(limits.memory_bytes));
    memory_limit_ = limits.memory_bytes;
    write_if_changed("pids.max", std::to_string(limits.pids));
    const auto quota =
        std::max<int64_t>(1000, static_cast<int64_t>(limits.cpu_cores * kCpuPeriodUs));
    write_if_changed("cpu.max", std::to_string(quota) + " " + std::to_string(kCpuPeriodUs));
  }

  void begin_run() override {
    const int64_t excess = read_int("memory.current") - leftover_memory_bound(memory_limit_);
    if (excess > 0) try_write_text_file(file("memory.reclaim"), std::to_string(excess));
    // Since Linux 6.12 a write resets the peak seen through this descriptor; before that
    // memory.peak only grows, so the peak is sampled from memory.current instead.
    peak_resettable_ = peak_fd_.valid() && ::pwrite(peak_fd_.get(), "reset\n", 6, 0) == 6;
    sampled_peak_ = 0;
    take_baseline();
  }

  CgroupUsage end_run() override {
    const auto before = baseline_;
    sample();
    const int64_t peak =
        peak_resettable_ ? parse_int(pread_kernel_text(peak_fd_.get(), "memory.peak"), file("memory.peak"))
                         : sampled_peak_;
    take_baseline();
    CgroupUsage usage;
    usage.cpu_ns = (baseline_.cpu_usec - before.cpu_usec) * 1000;
    usage.memory_peak_bytes = std::max<int64_t>(0, peak - before.memory_current);
    usage.oom_kills = baseline_.oom_kills - before.oom_kills;
    usage.memory_limit_hits = baseline_.limit_hits - before.limit_hits;
    return usage;
  }

  int64_t cpu_ns_so_far() override { return (read_cpu_usec() - baseline_.cpu_usec) * 1000; }

  void sample() override {
    if (!peak_resettable_) {
      sampled_peak_ = std::max(sampled_peak_, read_int("memory.current"));
    }
  }

  std::vector<std::string> join_files() const override { return {file("cgroup.procs")}; }

  bool holds_processes() const override {
    return line_count(pread_kernel_text(procs_fd_.get(), file("cgroup.procs"))) > 0;
  }

  int64_t shared_memory_bytes() const override {
    return keyed_value(files_.read(file("memory.stat")), "shmem");
  }

 private:
  struct Baseline {
    int64_t cpu_usec = 0;
    int64_t memory_current = 0;
    int64_t oom_kills = 0;
    int64_t limit_hits = 0;
  };

  std::string file(const char* name) const { return dir_ + "/" + name; }
  int64_t read_int(const char* name) const {
    return parse_int(files_.read(file(name)), file(name));
  }
  int64_t read_cpu_usec() const { return keyed_value(files_.read(file("cpu.stat")), "usage_usec"); }

  void take_baseline() {
    const auto events = files_.read(file("memory.events"));
    baseline_.cpu_usec = read_cpu_usec();
    baseline_.memory_current = read_int("memory.current");
    baseline_.oom_kills = keyed_value(events, "oom_kill");
    baseline_.limit_hits = keyed_value(events, "max");
  }

  void write_if_changed(const char* name, const std::string& value) {
    auto& last = written_[name];
    if (last == value) return;
    write_text_file(file(name), value);
    last = value;
  }

  std::string dir_;
  mutable KernelFiles files_;
  UniqueFd peak_fd_;
  UniqueFd procs_fd_;
  bool peak_resettable_ = false;
  int64_t sampled_peak_ = 0;
  int64_t memory_limit_ = 0;
  Baseline baseline_;
  std::map<std::string, std::string> written_;
};

class CgroupV2Backend final : public CgroupBackend {
 public:
  explicit CgroupV2Backend(std::string parent) : parent_(std::move(parent)) {
    make_dirs(parent_);
    const auto enabled = read_text_file(parent_ + "/cgroup.subtree_control");
    std::string missing;
    for (const char* controller : {"memory", "pids", "cpu"}) {
      if (enabled.find(controller) == std::string::npos) {
        missing += (missing.empty() ? "+" : " +") + std::string(controller);
      }
    }
    if (!missing.empty()) write_text_file(parent_ + "/cgroup.subtree_control", missing);
  }

  const char* version() const override { return "v2"; }

  std::unique_ptr<SlotCgroup> create_slot(const std::string& name) override {
    const auto dir = parent_ + "/" + name;
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + dir, errno);
    return std::make_unique<SlotCgroupV2>(dir);
  }

  void remove_slot(const std::string& name) override { ::rmdir((parent_ + "/" + name).c_str()); }

  std::vector<std::string> slot_names() const override { return subdirectories(parent_); }

 private:
  std::string parent_;
};

}  // namespace

std::unique_ptr<CgroupBackend> make_cgroup_v2(const std::string& parent) {
  return std::make_unique<CgroupV2Backend>(parent);
}

}  // namespace codearena::sandbox
