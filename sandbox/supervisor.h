// The supervisor: runs one request on one slot and turns what happened into a RunResult.
//
// A Slot owns its box keeper process (started on first use or handed over when the slot is
// made, restarted if it dies) and its cgroup. run() sends the request to the keeper, then
// watches the program from the engine side: it captures stdout and stderr through pipes up to
// the output limit, enforces the wall-clock limit and the CPU limit (summed over every process
// and thread from the cgroup), receives blocked system calls from the seccomp listener, and
// asks the keeper to kill the run when a limit is crossed or the request's cancel token is
// cancelled. A Slot serves one run at a time; distinct slots run in parallel safely.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/cgroup.h"
#include "sandbox/kept_network.h"
#include "sandbox/mounts.h"
#include "sandbox/namespaces.h"
#include "sandbox/parked_keeper.h"
#include "sandbox/run_spec.h"

namespace codearena::sandbox {

struct SlotConfig {
  int index = 0;
  uint32_t uid = 0;  // Unprivileged identity of this slot's programs (uid == gid).
  std::string helper_path;
  std::string staging_dir;
  std::vector<ReadOnlyBind> binds;
  std::string seccomp_filter;         // build_seccomp_filter(false)
  std::string seccomp_filter_refuse;  // build_seccomp_filter(true), for NetworkCalls::kRefuse
  int last_capability = 40;
  bool wait_for_keeper = true;  // SandboxConfig::wait_for_keepers
  int keeper_start_timeout_ms = 30'000;  // SandboxConfig::keeper_start_timeout_ms
  int parked_keeper_idle_ms = 60'000;    // SandboxConfig::parked_keeper_idle_ms
  // setup_digest() of this slot, taken when the engine starts, with kept_network_dir only: the
  // digest a keeper it adopts must have and the one it parks its keeper with.
  uint64_t setup_digest = 0;
};

// A digest of the setup a keeper of this slot is sent, of what it inherits from this process
// (inherited_process_state()) and of what its read-only binds name now
// (bind_sources_state()): keepers of equal digests were set up alike (parked_keeper.h).
uint64_t setup_digest(const SlotConfig& config);

// The result of a run whose cancel token was cancelled before anything started.
RunResult cancelled_before_start();

// Spawns a keeper for the slot `config` describes and sends it its setup: it builds its box
// while the caller goes on (making the slot's cgroup, say). The Slot given it sends the cgroup
// (and, with `network_later`, a network namespace made meanwhile: spawn_box_keeper) and waits
// for the box on its first run. Throws SandboxError when the keeper cannot start.
KeeperProcess start_slot_keeper(const SlotConfig& config, bool network_later = false);

class Slot {
 public:
  // `started` is a keeper from start_slot_keeper() for this slot, or one adopted from an earlier
  // engine (adopt_parked_keeper(), in `kept`), or none: the first run starts one. `kept`: the
  // kept network namespace a keeper started in the engine's namespace joins (else a new one is
  // made for it), held until the slot is destroyed.
  Slot(SlotConfig config, std::unique_ptr<SlotCgroup> cgroup, KeeperProcess started = {},
       std::optional<KeptNetworkNamespace> kept = std::nullopt);
  // Stops the keeper; with a kept namespace left clean, parks it there for the next engine
  // instead (parked_keeper.h) and does not wait for it.
  ~Slot();
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

  // Runs the request and returns its result; problems of the sandbox itself come back as
  // RunStatus::kInternalError. Throws SandboxError only for an invalid request (a file name
  // with '/', an unreadable host file, limits that RunLimits::problem() rejects). A request whose
  // token is already cancelled returns cancelled_before_start() without touching the slot. Not
  // thread-safe: one caller at a time per slot.
  RunResult run(const RunRequest& request);

  int index() const { return config_.index; }
  uint32_t uid() const { return config_.uid; }
  SlotCgroup& cgroup() { return *cgroup_; }

 private:
  // Keeps the keeper if it is fit for the next run, or starts a new one and waits for its box.
  // A keeper started with the slot is sent its join order only: true then, and
  // await_new_keeper() must follow (the caller readies the cgroup and may send the run's
  // order meanwhile: the keeper reads it after its ready message).
  bool ensure_keeper();
  // Sends the started keeper its join order.
  void send_join();
  // Sends the join order; throws SandboxError.
  void send_join_order();
  // Joins the keeper adopted from an earlier engine and waits for its ready; false (the keeper
  // killed) when it does not answer as it should.
  bool join_adopted_keeper();
  // True when the keeper owes nothing (its ready for the next box awaited), said nothing
  // unasked and let no process into the slot's cgroup.
  bool keeper_fit_for_next_run();
  // Parks the keeper for the next engine when it and the kept namespace are clean; what the
  // lock file is to record of it then. Never throws.
  std::optional<ParkedKeeper> park_keeper() noexcept;
  // Waits for the joined keeper's box.
  void await_new_keeper();
  // Stops a keeper that could not start and throws SandboxError naming `problem`.
  [[noreturn]] void fail_keeper_start(const std::string& problem);
  // Closes the keeper's control socket and reaps it: it gets two seconds to clean up, or none
  // `at_once` (a keeper that is not trusted any more). Without config_.wait_for_keeper, a keeper
  // whose slot cgroup is empty is killed and not waited for.
  void stop_keeper(bool at_once = false);
  // False when a process is in the slot's cgroup or its files cannot be read; never throws
  // (stop_keeper runs in the destructor).
  bool cgroup_is_empty() const noexcept;
  // The network namespace for a keeper started in the engine's: the kept one, or a new one
  // added to `owned`.
  int network_for_keeper(std::vector<UniqueFd>& owned);

  SlotConfig config_;
  std::unique_ptr<SlotCgroup> cgroup_;
  KeeperProcess keeper_;
  std::optional<KeptNetworkNamespace> kept_network_;
  uint64_t last_run_id_ = 0;      // Ties each keeper message to the run it belongs to.
  bool box_pending_ = false;      // The keeper owes a ready message for the next run's box.
  bool keeper_starting_ = false;  // The keeper has its setup but not its join order yet.
  bool keeper_in_kept_network_ = false;  // Joined in kept_network_: it may be parked there.
};

}  // namespace codearena::sandbox
