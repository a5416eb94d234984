// The sandbox pool actor of a worker node: WORKER_CONCURRENCY slot runners, each a detached
// actor (its own thread, since judging blocks) that judges one attempt at a time.
//
// The pool runs what the leader (told by the node's membership, see cluster/membership.h) sends:
// it hands each run to an idle runner and forwards cancels to the runner holding the job (which
// kills its sandboxed processes at once). Runners' progress goes on to the leader; each
// attempt's report is kept until the leader acknowledges it, and sent again to a new leader.
// On drain the pool leaves the leader (no new runs) and waits for its attempts to end.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/messages.h"
#include "judge/judge.h"

namespace codearena::actors {

// Server-wide default limits for jobs that do not set their own (TIME_LIMIT, MEMORY_LIMIT,
// OUTPUT_LIMIT); unset ones take the language's defaults. Always capped by the language's maxima.
struct DefaultLimits {
  std::optional<int64_t> time_ms;
  std::optional<int64_t> memory_bytes;
  std::optional<int64_t> output_bytes;
};

struct WorkerPoolConfig {
  std::string node_id = "local";  // Named in leave messages.
  int32_t slots = 5;
  // The languages the node offers (WORKER_LANGUAGES): as given, ids or aliases, empty meaning
  // every language whose toolchain is present; the node resolves them to ids
  // (judge::offered_languages) before it starts the pool, whose slots reject jobs of others.
  std::vector<std::string> languages;
  DefaultLimits defaults;
  // Of each test's stdout and stderr, what an attempt's report carries (KEPT_OUTPUT): the
  // scheduler keeps no more, so the rest never leaves the runner. Progress carries it whole.
  size_t kept_output_bytes = kDefaultKeptOutputBytes;
  // Fault injection for tests of the retry path: each job's first N attempts end with an
  // internal error before anything runs. 0 (the default) in production.
  int32_t injected_internal_errors = 0;
};

// One slot of a pool: takes the attempts the pool hands it (one at a time) and, when one ends,
// sends its pool local idle with its slot index, then local report.
using slot_actor =
    caf::typed_actor<caf::reacts_to<run_atom, std::string, int32_t, JobSpec, int32_t>>;

// What the pool and one slot share: the attempt the slot is on and its cancel token. The pool
// cancels through it because a judging slot is busy and reads no messages. A cancel may arrive
// before the slot begins the attempt; it is remembered. Thread-safe.
class SlotControl {
 public:
  // The slot starts an attempt: its token, cancelled already when a cancel came first.
  std::shared_ptr<sandbox::CancelToken> begin(const std::string& job_id, int32_t attempt);
  // The slot has ended its attempt.
  void end();
  // Stops the attempt if the slot is on it, or remembers the cancel for its begin().
  void cancel(const std::string& job_id, int32_t attempt);
  // The slot has ended this attempt (idle): a cancel remembered for it is dropped.
  void forget_early_cancel(const std::string& job_id, int32_t attempt);

 private:
  std::mutex mutex_;
  std::pair<std::string, int32_t> current_;
  std::shared_ptr<sandbox::CancelToken> token_;
  std::set<std::pair<std::string, int32_t>> early_cancels_;
};

// Starts slot `index` of the pool, called on the pool's thread while it starts.
using SlotStarter = std::function<slot_actor(pool_actor::pointer pool, int32_t index,
                                             std::shared_ptr<SlotControl> control)>;

// A pool of config.slots slots that judge with `judge`, each on its own thread. `judge` and
// `languages` must outlive the actor system.
pool_actor spawn_worker_pool(caf::actor_system& system, judge::Judge& judge,
                             const judge::LanguageTable& languages, WorkerPoolConfig config);

// A pool whose slots `start_slot` starts (tests drive the pool with slots of their own).
pool_actor spawn_worker_pool(caf::actor_system& system, SlotStarter start_slot,
                             WorkerPoolConfig config);

// The judging request for a job spec: server defaults applied, limits capped by the language.
judge::JudgeRequest judge_request_for(const JobSpec& spec, const judge::Language* language,
                                        const DefaultLimits& defaults);

// The job outcome for a judge result (verdict codes, signal names), each test's output cut to
// `kept_output_bytes` (see cap_kept_output) and marked for base64 when the job asked for it.
JobOutcome outcome_of(const judge::JudgeResult& result, size_t kept_output_bytes,
                      bool base64_output = false);
// One test's outcome with at most `copied_bytes` of its stdout and of its stderr.
TestOutcome test_outcome_of(size_t index, const judge::TestResult& test,
                            size_t copied_bytes = std::string::npos, bool base64_output = false);

}  // namespace codearena::actors
