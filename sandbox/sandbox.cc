#include "sandbox/sandbox.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"
#include "sandbox/kept_network.h"
#include "sandbox/precompiled_filters.h"
#include "sandbox/preflight.h"
#include "sandbox/slots.h"

namespace codearena::sandbox {

std::string executable_dir() {
  char path[PATH_MAX];
  const ssize_t size = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (size <= 0) throw_errno("readlink /proc/self/exe", errno);
  const std::string exe(path, static_cast<size_t>(size));
  return exe.substr(0, exe.rfind('/'));
}

namespace {

bool is_or_is_under(const std::string& path, const std::string& dir) {
  return path == dir || path.rfind(dir + "/", 0) == 0;
}

// True when `path` names its file by the one way the kernel would: absolute, no "." or ".."
// or empty part, no symlink among its parents (the last part may be one: it is recreated as a
// symlink in the box). A path that is not would let the prefix checks below be walked around.
bool is_canonical(const std::string& path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') return false;
  for (size_t start = 1; start <= path.size();) {
    const size_t end = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  const std::string parent = path.substr(0, path.rfind('/'));
  if (parent.empty()) return true;
  char resolved[PATH_MAX];
  // A missing parent binds nothing (optional) or fails with its name when the box is built.
  return ::realpath(parent.c_str(), resolved) == nullptr || parent == resolved;
}

// The configuration with its defaults filled in, after refusing what cannot work.
SandboxConfig checked(SandboxConfig config) {
  if (::geteuid() != 0) throw SandboxError("the sandbox needs root (namespaces, cgroups, mounts)");
  if (config.slots < 1) throw SandboxError("the sandbox needs at least one slot");
  if (config.helper_path.empty()) config.helper_path = executable_dir() + "/codearena-box";
  if (config.binds.empty()) config.binds = default_read_only_binds();
  for (const auto& bind : config.binds) check_read_only_bind(bind.path);
  return config;
}

}  // namespace

void check_read_only_bind(const std::string& path) {
  if (path == "/") throw SandboxError("read-only bind / would replace the box's whole root");
  if (!is_canonical(path)) {
    throw SandboxError("read-only bind " + path +
                       " must be an absolute path without '.', '..' or a symlink in its parents");
  }
  for (const char* hidden : {"/box", "/tmp", "/proc", "/dev"}) {
    if (is_or_is_under(path, hidden)) {
      throw SandboxError("read-only bind " + path + " would be hidden by the box's own " + hidden);
    }
  }
  if (is_or_is_under(path, "/sys")) {
    throw SandboxError("read-only bind " + path + " would show the host kernel's /sys in the box");
  }
}

Sandbox::Sandbox(SandboxConfig config)
    : check_at_start_(config.check_at_start),
      slots_(std::make_unique<SlotPool>(checked(std::move(config)))) {}

Sandbox::~Sandbox() = default;

RunResult Sandbox::run(const RunRequest& request) {
  RunResult result = run_on_a_free_slot(request);
  if (check_at_start_ || facilities_proven_) return result;
  // Without the check at start, a failure inside the sandbox may be a facility the machine
  // lacks: the check names it as the start would have.
  if (result.status == RunStatus::kInternalError) {
    slots_->check_facilities();
  } else if (result.status != RunStatus::kCancelled) {
    facilities_proven_ = true;
  }
  return result;
}

RunResult Sandbox::run_on_a_free_slot(const RunRequest& request) {
  if (!request.cancel_token) return slots_->acquire()->run(request);
  auto lease = slots_->acquire(*request.cancel_token);
  if (!lease) return cancelled_before_start();
  return (*lease)->run(request);
}

size_t Sandbox::free_slot_count() {
  return slots_->free_count();
}

size_t Sandbox::slot_count() const {
  return slots_->size();
}

const char* Sandbox::cgroup_version() const {
  return slots_->cgroup_version();
}

namespace {

// Kept network namespaces (and slot cgroups) at most: engines beyond make their own.
constexpr int kKeptSlots = 64;

// Slot i's cgroup: the one kept with `kept` if no earlier engine's keeper is left for it and it
// holds no process and no shared memory, else one of this engine's own, to be removed at its
// end (`owned_name`). The keeper of an engine killed mid-call may still hold the kept cgroup's
// join files: a process it was starting would join after any check found the cgroup empty. The
// last call's keeper, killed and not waited for, frees its box only once its mount namespace is
// gone: until then the files its last run left stay charged there, and a lower memory limit
// than theirs could not even be written.
std::unique_ptr<SlotCgroup> create_slot_cgroup(CgroupBackend& backend, int index,
                                               const std::optional<KeptNetworkNamespace>& kept,
                                               std::string& owned_name) {
  if (kept && kept->no_keeper_left()) {
    auto cgroup = backend.create_slot(kept_slot_cgroup_name(kept->number()));
    if (!cgroup->holds_processes() && cgroup->shared_memory_bytes() == 0) return cgroup;
  }
  owned_name = slot_cgroup_name(index);
  return backend.create_slot(owned_name);
}

// The slots' cgroups, their limits written once (each run writes its own): a hierarchy that
// cannot take them fails the start, naming what is missing.
std::vector<std::unique_ptr<SlotCgroup>> create_slot_cgroups(
    std::unique_ptr<CgroupBackend>& backend, const SandboxConfig& config,
    const std::vector<std::optional<KeptNetworkNamespace>>& kept,
    std::vector<std::string>& owned_names) {
  std::vector<std::unique_ptr<SlotCgroup>> cgroups;
  try {
    backend = make_cgroup_backend(detect_cgroups("codearena", config.cgroup_parent));
    remove_stale_slot_cgroups(*backend);
    owned_names.assign(config.slots, "");
    for (int i = 0; i < config.slots; ++i) {
      cgroups.push_back(create_slot_cgroup(*backend, i, kept[i], owned_names[i]));
      cgroups.back()->apply_limits(RunLimits{});
    }
  } catch (const SandboxError& error) {
    throw SandboxError(missing_facility("set up the sandbox's cgroups", error.what(),
                                        kCgroupGrant));
  }
  return cgroups;
}

// Each slot's settings, its uid counted from the first.
std::vector<SlotConfig> slot_configs(const SandboxConfig& config) {
  const int last_capability =
      static_cast<int>(parse_int(read_text_file("/proc/sys/kernel/cap_last_cap"), "cap_last_cap"));
  std::vector<SlotConfig> slots;
  for (int i = 0; i < config.slots; ++i) {
    SlotConfig slot;
    slot.index = i;
    slot.uid = config.first_uid + static_cast<uint32_t>(i);
    slot.helper_path = config.helper_path;
    slot.staging_dir = config.staging_dir;
    slot.binds = config.binds;
    slot.seccomp_filter = precompiled_seccomp_filter(false);
    slot.seccomp_filter_refuse = precompiled_seccomp_filter(true);
    slot.last_capability = last_capability;
    slot.wait_for_keeper = config.wait_for_keepers;
    slot.keeper_start_timeout_ms = config.keeper_start_timeout_ms;
    slot.parked_keeper_idle_ms = config.parked_keeper_idle_ms;
    // Taken once (a tenth of a millisecond), for the adoption and the park alike.
    if (!config.kept_network_dir.empty()) slot.setup_digest = setup_digest(slot);
    slots.push_back(std::move(slot));
  }
  return slots;
}

// Each slot's kept network namespace (and with it its kept cgroup), for engines that keep them.
std::vector<std::optional<KeptNetworkNamespace>> take_kept_namespaces(
    const SandboxConfig& config) {
  std::vector<std::optional<KeptNetworkNamespace>> kept(config.slots);
  if (!config.keepers_at_start || config.kept_network_dir.empty()) return kept;
  for (auto& slot : kept) slot = KeptNetworkNamespace::take(config.kept_network_dir, kKeptSlots);
  return kept;
}

// The slot's keeper: the one parked in its kept namespace when that was set up alike and can be
// adopted, else a new one (killing a parked keeper not adopted, and the keeper an engine that
// did not end cleanly named, if either is still the process recorded).
KeeperProcess adopt_or_start_keeper(const SlotConfig& slot,
                                    std::optional<KeptNetworkNamespace>& kept) {
  if (kept && kept->left_in_use()) kill_recorded_keeper(*kept->left_in_use(), slot.helper_path);
  if (kept && kept->parked()) {
    const ParkedKeeper& parked = *kept->parked();
    if (parked.setup_digest == slot.setup_digest) {
      if (auto adopted = adopt_parked_keeper(parked, slot.helper_path)) return std::move(*adopted);
    } else {
      kill_recorded_keeper(parked.keeper, slot.helper_path);
    }
  }
  return start_slot_keeper(slot, /*network_later=*/true);
}

// Keepers that never got their slot: killed before their socket closes (so they say nothing of
// it) and reaped (by their parent, for one adopted); they hold no process of a run.
void stop_unused_keepers(std::vector<KeeperProcess>& keepers) {
  for (auto& keeper : keepers) {
    if (keeper.pidfd.valid()) {
      stop_adopted_keeper(keeper.pidfd.get(), 0);
      continue;
    }
    ::kill(keeper.pid, SIGKILL);
    keeper.control.reset();
    reap_box_keeper(keeper.pid, 0);
  }
  keepers.clear();
}

}  // namespace

SlotPool::SlotPool(const SandboxConfig& config) {
  make_dirs(config.staging_dir, 0700);
  facilities_ = {config.staging_dir, config.first_uid, precompiled_seccomp_filter(false)};
  if (config.check_at_start) check_kernel_facilities(facilities_);
  auto slots = slot_configs(config);
  std::vector<KeeperProcess> keepers;
  std::vector<std::optional<KeptNetworkNamespace>> kept;
  std::vector<std::unique_ptr<SlotCgroup>> cgroups;
  try {
    // Taken first: a keeper parked in a kept namespace is adopted instead of a new one started.
    kept = take_kept_namespaces(config);
    if (config.keepers_at_start) {
      try {
        for (size_t i = 0; i < slots.size(); ++i)
          keepers.push_back(adopt_or_start_keeper(slots[i], kept[i]));
      } catch (const SandboxError&) {
        // Without the check at start a keeper that cannot start may be a facility the machine
        // lacks: the check names it as the start would have.
        stop_unused_keepers(keepers);
        check_kernel_facilities(facilities_);
        throw;
      }
    }
    cgroups = create_slot_cgroups(backend_, config, kept, owned_cgroups_);
  } catch (const SandboxError&) {
    stop_unused_keepers(keepers);
    throw;
  }
  keepers.resize(slots.size());
  for (size_t i = 0; i < slots.size(); ++i) {
    slots_.push_back(std::make_unique<Slot>(std::move(slots[i]), std::move(cgroups[i]),
                                            std::move(keepers[i]), std::move(kept[i])));
    free_.push_back(slots_.back().get());
  }
}

SlotPool::~SlotPool() {
  for (size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].reset();
    if (!owned_cgroups_[i].empty()) backend_->remove_slot(owned_cgroups_[i]);
  }
}

Slot* SlotPool::take_free_slot() {
  Slot* slot = free_.back();
  free_.pop_back();
  return slot;
}

SlotPool::Lease SlotPool::acquire() {
  std::unique_lock<std::mutex> lock(mutex_);
  slot_freed_.wait(lock, [this] { return !free_.empty(); });
  return Lease(*this, *take_free_slot());
}

std::optional<SlotPool::Lease> SlotPool::acquire(CancelToken& token) {
  // Taking the lock before notifying means a waiter cannot miss the wake-up between checking
  // the token and going to sleep.
  const auto wake = token.on_cancel([this] {
    std::lock_guard<std::mutex> lock(mutex_);
    slot_freed_.notify_all();
  });
  std::unique_lock<std::mutex> lock(mutex_);
  slot_freed_.wait(lock, [&] { return !free_.empty() || token.cancelled(); });
  if (token.cancelled()) return std::nullopt;
  return Lease(*this, *take_free_slot());
}

void SlotPool::check_facilities() const {
  check_kernel_facilities(facilities_);
}

size_t SlotPool::free_count() {
  std::lock_guard<std::mutex> lock(mutex_);
  return free_.size();
}

void SlotPool::release(Slot* slot) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(slot);
  }
  // Every waiter, because one woken by notify_one might be a cancelled one that leaves without
  // taking the slot.
  slot_freed_.notify_all();
}

SlotPool::Lease::~Lease() {
  if (slot_ != nullptr) owner_->release(slot_);
}

}  // namespace codearena::sandbox
