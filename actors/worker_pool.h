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
#include <optional>
#include <string>

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
  DefaultLimits defaults;
  // Fault injection for tests of the retry path: each job's first N attempts end with an
  // internal error before anything runs. 0 (the default) in production.
  int32_t injected_internal_errors = 0;
};

// `judge` and `languages` must outlive the actor system.
pool_actor spawn_worker_pool(caf::actor_system& system, judge::Judge& judge,
                             const judge::LanguageTable& languages, WorkerPoolConfig config);

// The judging request for a job spec: server defaults applied, limits capped by the language.
judge::JudgeRequest judge_request_for(const JobSpec& spec, const judge::Language* language,
                                        const DefaultLimits& defaults);

// The job outcome for a judge result (verdict codes, signal names).
JobOutcome outcome_of(const judge::JudgeResult& result);
TestOutcome test_outcome_of(size_t index, const judge::TestResult& test);

}  // namespace codearena::actors
