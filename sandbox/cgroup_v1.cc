#include "sandbox/cgroup_v1.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

namespace codearena::sandbox {
namespace {

constexpr int64_t kCpuPeriodUs = 100'000;
const char* const kControllers[] = {"memory", "pids", "cpu", "cpuacct"};

class SlotCgroupV1 final : public SlotCgroup {
 public:
  explicit SlotCgroupV1(std::map<std::string, std::string> dirs) : dirs_(std::move(dirs)) {
    has_memsw_ = path_exists(file("memory", "memory.memsw.limit_in_bytes"));
    if (!has_memsw_) try_write_text_file(file("memory", "memory.swappiness"), "0");
    write_text_file(file("cpu", "cpu.cfs_period_us"), std::to_string(kCpuPeriodUs));
    pids_current_.reset(::open(file("pids", "pids.current").c_str(), O_RDONLY | O_CLOEXEC));
    if (!pids_current_.valid()) throw_errno("open " + file("pids", "pids.current"), errno);
    take_baseline();
  }

  void apply_limits(const RunLimits& limits) override {
    const auto memory = std::to_string(limits.memory_bytes);
    if (memory != written_memory_) {
      // memsw must stay >= memory: raise memsw first when growing, lower memory first when not.
      const bool growing =
          written_memory_.empty() || limits.memory_bytes > std::stoll(written_memory_);
      if (has_memsw_ && growing)
        try_write_text_file(file("memory", "memory.memsw.limit_in_bytes"), memory);
      write_text_file(file("memory", "memory.limit_in_bytes"), memory);
      if (has_memsw_) write_text_file(file("memory", "memory.memsw.limit_in_bytes"), memory);
      written_memory_ = memory;
      memory_limit_ = limits.memory_bytes;
    }
    write_if_changed("pids", "pids.max", std::to_string(limits.pids));
    const auto quota =
        std::max<int64_t>(1000, static_cast<int64_t>(limits.cpu_cores * kCpuPeriodUs));
    write_if_changed("cpu", "cpu.cfs_quota_us", std::to_string(quota));
  }

  void begin_run() override {
    if (read_int("memory", "memory.usage_in_bytes") > leftover_memory_bound(memory_limit_))
      try_write_text_file(file("memory", "memory.force_empty"), "0");
    files_.write(file("memory", "memory.max_usage_in_bytes"), "0");
    take_baseline();
  }

  CgroupUsage end_run() override {
    const auto before = baseline_;
    const int64_t peak = read_int("memory", "memory.max_usage_in_bytes");
    take_baseline();
    CgroupUsage usage;
    usage.cpu_ns = baseline_.cpu_ns - before.cpu_ns;
    usage.memory_peak_bytes = std::max<int64_t>(0, peak - before.memory_usage);
    usage.oom_kills = baseline_.oom_kills - before.oom_kills;
    usage.memory_limit_hits = baseline_.failcnt - before.failcnt;
    return usage;
  }

  int64_t cpu_ns_so_far() override {
    return read_int("cpuacct", "cpuacct.usage") - baseline_.cpu_ns;
  }

  std::vector<std::string> join_files() const override { return files_named("tasks"); }

  // The pids controller's count of the slot's tasks, from a kept-open pids.current: one pread
  // instead of opening the four cgroup.procs files afresh (an open cgroup.procs serves a cached
  // process list for up to a second). A run's process joins all four hierarchies before it
  // executes the program, and its children start where it is; a task counts until it is
  // reaped. A keeper that let a process into some hierarchies only could as well let it into
  // none, which no count would see (docs/threat-model.md).
  bool holds_processes() const override {
    return parse_int(pread_kernel_text(pids_current_.get(), file("pids", "pids.current")),
                     file("pids", "pids.current")) > 0;
  }

  int64_t shared_memory_bytes() const override {
    return keyed_value(files_.read(file("memory", "memory.stat")), "shmem");
  }

 private:
  struct Baseline {
    int64_t cpu_ns = 0;
    int64_t memory_usage = 0;
    int64_t oom_kills = 0;
    int64_t failcnt = 0;
  };

  // The file `name` of each hierarchy, once where controllers share one.
  std::vector<std::string> files_named(const char* name) const {
    std::set<std::string> unique;
    for (const auto& entry : dirs_) unique.insert(entry.second + "/" + name);
    return {unique.begin(), unique.end()};
  }
  std::string file(const std::string& controller, const char* name) const {
    return dirs_.at(controller) + "/" + name;
  }
  int64_t read_int(const std::string& controller, const char* name) const {
    const auto path = file(controller, name);
    return parse_int(files_.read(path), path);
  }

  void take_baseline() {
    baseline_.cpu_ns = read_int("cpuacct", "cpuacct.usage");
    baseline_.memory_usage = read_int("memory", "memory.usage_in_bytes");
    baseline_.oom_kills =
        keyed_value(files_.read(file("memory", "memory.oom_control")), "oom_kill");
    baseline_.failcnt = read_int("memory", "memory.failcnt");
  }

  void write_if_changed(const std::string& controller, const char* name, const std::string& value) {
    auto& last = written_[name];
    if (last == value) return;
    write_text_file(file(controller, name), value);
    last = value;
  }

  std::map<std::string, std::string> dirs_;
  mutable KernelFiles files_;
  UniqueFd pids_current_;
  bool has_memsw_ = false;
  std::string written_memory_;
  int64_t memory_limit_ = 0;
  Baseline baseline_;
  std::map<std::string, std::string> written_;
};

class CgroupV1Backend final : public CgroupBackend {
 public:
  explicit CgroupV1Backend(std::map<std::string, std::string> parents)
      : parents_(std::move(parents)) {
    for (const char* controller : kControllers) {
      if (parents_.count(controller) == 0) {
        throw SandboxError(std::string("cgroup v1: the ") + controller +
                           " controller is not mounted");
      }
      make_dirs(parents_[controller]);
    }
  }

  const char* version() const override { return "v1"; }

  std::unique_ptr<SlotCgroup> create_slot(const std::string& name) override {
    std::map<std::string, std::string> dirs;
    for (const char* controller : kControllers) {
      const auto dir = parents_[controller] + "/" + name;
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + dir, errno);
      dirs[controller] = dir;
    }
    return std::make_unique<SlotCgroupV1>(std::move(dirs));
  }

  void remove_slot(const std::string& name) override {
    for (const char* controller : kControllers)
      ::rmdir((parents_[controller] + "/" + name).c_str());
  }

  std::vector<std::string> slot_names() const override {
    std::set<std::string> names;
    for (const auto& [controller, parent] : parents_) {
      for (auto& name : subdirectories(parent)) names.insert(std::move(name));
    }
    return {names.begin(), names.end()};
  }

 private:
  std::map<std::string, std::string> parents_;
};

}  // namespace

std::unique_ptr<CgroupBackend> make_cgroup_v1(const std::map<std::string, std::string>& parents) {
  return std::make_unique<CgroupV1Backend>(parents);
}

}  // namespace codearena::sandbox
