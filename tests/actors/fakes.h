// The peers of the actors under test, played by the test: a store actor whose answers the test
// decides, a worker that records what the leader tells it, a listener that records events, and
// a leader that records requests and answers when told. Each shares a log with the test (one
// thread: the test coordinator runs everything on the test's thread). A promise must be kept
// by the actor that made it, from its own handler: the scripted actors keep theirs when poked
// (local tick) after the test has queued the answers.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.h"

namespace codearena::actors::testing {

// Makes a scripted actor keep the promises its script now has answers for.
using poke = caf::reacts_to<local<tick_atom>>;

// A store actor the test controls. Loads answer `unfinished` (or fail); writes are answered at
// once as `write_answer` says, or, with `hold_writes`, when poked with answers queued in
// `answers` (oldest held write first).
struct StoreScript {
  enum class Answer { kWritten, kFenced, kUnreachable };
  std::vector<StoredJob> unfinished;
  bool load_fails = false;
  bool hold_writes = false;
  Answer write_answer = Answer::kWritten;
  std::vector<std::vector<StoredJob>> batches;  // Every batch answered as written, in order.
  std::deque<std::pair<caf::typed_response_promise<bool>, std::vector<StoredJob>>> held;
  std::deque<Answer> answers;
};

using scripted_store_actor = store_actor::extend<poke>;
scripted_store_actor spawn_scripted_store(caf::actor_system& system,
                                          std::shared_ptr<StoreScript> script);

// The messages a leader sent to a worker.
struct WorkerLog {
  struct Run {
    std::string job_id;
    int32_t attempt = 0;
    int32_t parallel = 0;
  };
  std::vector<Run> runs;
  std::vector<std::pair<std::string, int32_t>> cancels;
};

worker_actor spawn_recording_worker(caf::actor_system& system, std::shared_ptr<WorkerLog> log);

job_listener_actor spawn_recording_listener(caf::actor_system& system,
                                            std::shared_ptr<std::vector<JobEvent>> events);

// A leader that records the submissions and reports it gets and answers them, oldest first,
// when poked with answers queued (or at once with `refuse_with`, an error such as
// not_leading_error()).
struct LeaderScript {
  std::vector<std::pair<std::string, JobSpec>> submissions;
  std::vector<AttemptReport> reports;
  std::vector<std::pair<std::string, int32_t>> progress;
  std::vector<std::pair<std::string, int32_t>> started;  // (job id, slot)
  std::vector<std::string> left;
  std::optional<caf::error> refuse_with;
  std::deque<SubmitReply> submission_answers;
  std::deque<bool> report_answers;
  std::deque<caf::typed_response_promise<SubmitReply>> pending_submissions;
  std::deque<caf::typed_response_promise<bool>> pending_reports;
};

using scripted_leader_actor = scheduler_actor::extend<poke>;
scripted_leader_actor spawn_scripted_leader(caf::actor_system& system,
                                            std::shared_ptr<LeaderScript> script);

}  // namespace codearena::actors::testing
