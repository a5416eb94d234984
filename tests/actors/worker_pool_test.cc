// The sandbox pool's protocol with its slots and the leader, with slots the test plays: runs to
// idle slots, refusals, cancels, reports kept until acknowledged and sent again to a new
// leader, drain.
#include <catch2/catch.hpp>

#include "actors/worker_pool.h"
#include "sandbox/cancel.h"
#include "tests/actors/actor_fixture.h"
#include "tests/actors/fakes.h"

using namespace codearena::actors;
using namespace codearena::actors::testing;
using namespace std::chrono_literals;
using Kind = AttemptReport::Kind;

namespace {

class PoolFixture : public ActorFixture {
 public:
  // A pool of `slots` slots; what each slot is handed lands in runs[slot].
  void start(int32_t slots) {
    runs.resize(slots);
    WorkerPoolConfig settings;
    settings.node_id = "worker-1";
    settings.slots = slots;
    pool = keep(spawn_worker_pool(system, start_slot(), settings));
    run();
  }

  scripted_leader_actor tell_leader(const std::shared_ptr<LeaderScript>& script) {
    const auto leader = keep(spawn_scripted_leader(system, script));
    caf::anon_send(pool, local_v<leader_atom>, scheduler_actor{leader});
    run();
    return leader;
  }

  void run_job(const std::string& id, int32_t attempt = 1) {
    caf::anon_send(pool, run_atom::value, id, attempt, JobSpec{}, int32_t{1});
    run();
  }

  // Slot `slot` ends its attempt as a judging slot does: idle, then the report.
  void finish(int32_t slot, const std::string& id, int32_t attempt, Kind kind = Kind::kJudged) {
    caf::anon_send(pool, local_v<idle_atom>, slot);
    caf::anon_send(pool, local_v<report_atom>, AttemptReport{id, attempt, kind, {}, {}});
    run();
  }

  // `leader` acknowledges its oldest pending report.
  void acknowledge(const scripted_leader_actor& leader,
                   const std::shared_ptr<LeaderScript>& script) {
    script->report_answers.push_back(true);
    caf::anon_send(leader, local_v<tick_atom>);
    run();
  }

  std::vector<RunningAttempt> running() {
    return ask<std::vector<RunningAttempt>>(pool, local_v<running_atom>);
  }

  std::vector<std::vector<std::string>> runs;
  std::vector<std::shared_ptr<SlotControl>> controls;
  pool_actor pool;

 private:
  SlotStarter start_slot() {
    return [this](pool_actor::pointer owner, int32_t index,
                  std::shared_ptr<SlotControl> control) -> slot_actor {
      controls.push_back(control);
      auto* runs_of_slot = &runs[index];
      return owner->spawn([runs_of_slot](slot_actor::pointer) -> slot_actor::behavior_type {
        return {[runs_of_slot](run_atom, const std::string& id, int32_t, const JobSpec&, int32_t) {
          runs_of_slot->push_back(id);
        }};
      });
    };
  }
};

}  // namespace

TEST_CASE_METHOD(PoolFixture, "runs go to idle slots, and without one a run is handed back", "[pool]") {
  start(2);
  const auto leader = std::make_shared<LeaderScript>();
  tell_leader(leader);
  run_job("a");
  run_job("b");
  CHECK(runs[0].size() + runs[1].size() == 2);
  // The leader learns each attempt's slot, for the job's timeline.
  const int32_t slot_of_a = runs[0] == std::vector<std::string>{"a"} ? 0 : 1;
  CHECK(leader->started ==
        std::vector<std::pair<std::string, int32_t>>{{"a", slot_of_a}, {"b", 1 - slot_of_a}});
  run_job("c");
  REQUIRE(leader->reports.size() == 1);
  CHECK(leader->reports[0].job_id == "c");
  CHECK(leader->reports[0].kind == Kind::kNotStarted);

  finish(slot_of_a, "a", 1);
  run_job("d");
  CHECK(runs[slot_of_a] == std::vector<std::string>{"a", "d"});
}

TEST_CASE_METHOD(PoolFixture, "a cancel reaches the slot running the attempt", "[pool]") {
  start(1);
  tell_leader(std::make_shared<LeaderScript>());
  run_job("a");
  const auto token = controls[0]->begin("a", 1);
  caf::anon_send(pool, cancel_atom::value, std::string{"b"}, int32_t{1});
  run();
  CHECK_FALSE(token->cancelled());
  caf::anon_send(pool, cancel_atom::value, std::string{"a"}, int32_t{1});
  run();
  CHECK(token->cancelled());
}

TEST_CASE_METHOD(PoolFixture, "a report is kept until acknowledged and sent to a new leader",
                 "[pool]") {
  start(1);
  const auto first = std::make_shared<LeaderScript>();
  tell_leader(first);
  run_job("a");
  finish(0, "a", 1);
  REQUIRE(first->reports.size() == 1);
  // Not acknowledged: a new leader claims it (running) and gets the report again.
  CHECK(running().size() == 1);

  const auto second = std::make_shared<LeaderScript>();
  const auto second_leader = tell_leader(second);
  REQUIRE(second->reports.size() == 1);
  CHECK(second->reports[0].job_id == "a");
  acknowledge(second_leader, second);
  CHECK(running().empty());
}

TEST_CASE_METHOD(PoolFixture, "progress of a slot goes on to the leader", "[pool]") {
  start(1);
  const auto leader = std::make_shared<LeaderScript>();
  tell_leader(leader);
  caf::anon_send(pool, local_v<progress_atom>, std::string{"a"}, int32_t{1}, TestOutcome{});
  run();
  CHECK(leader->progress == std::vector<std::pair<std::string, int32_t>>{{"a", 1}});
}

TEST_CASE_METHOD(PoolFixture, "drain leaves the leader and answers once reports are acknowledged",
                 "[pool]") {
  start(1);
  const auto leader = std::make_shared<LeaderScript>();
  const auto leader_actor = tell_leader(leader);
  run_job("a");
  const auto drained = request<int64_t>(pool, local_v<drain_atom>, int64_t{60'000});
  run();
  CHECK(leader->left == std::vector<std::string>{"worker-1"});
  CHECK_FALSE(drained->arrived());

  run_job("b");  // Refused: the pool is leaving.
  REQUIRE(leader->reports.size() == 1);
  CHECK(leader->reports[0].kind == Kind::kNotStarted);
  acknowledge(leader_actor, leader);

  finish(0, "a", 1);
  CHECK_FALSE(drained->arrived());  // Reported, not yet acknowledged.
  REQUIRE(leader->reports.size() == 2);
  acknowledge(leader_actor, leader);
  REQUIRE(drained->answer);
  CHECK(*drained->answer == 0);
}

TEST_CASE_METHOD(PoolFixture, "drain answers with what is unfinished when the grace ends",
                 "[pool]") {
  start(1);
  tell_leader(std::make_shared<LeaderScript>());
  run_job("a");
  const auto drained = request<int64_t>(pool, local_v<drain_atom>, int64_t{1500});
  advance(1000ms);
  CHECK_FALSE(drained->arrived());
  advance(1000ms);  // The pool checks on its next tick after the grace time.
  REQUIRE(drained->answer);
  CHECK(*drained->answer == 1);
}

TEST_CASE_METHOD(PoolFixture, "the pool counts the messages it handles, not the inspections",
                 "[pool]") {
  start(1);
  tell_leader(std::make_shared<LeaderScript>());
  const auto before = ask<ActorReport>(pool, local_v<inspect_atom>);
  CHECK(before.name == "pool");
  CHECK(before.handled >= 1);  // At least the leader's notice.
  CHECK(before.idle_ms >= 0);
  CHECK(before.busy_us >= 0);
  CHECK(ask<ActorReport>(pool, local_v<inspect_atom>).handled == before.handled);

  run_job("a");
  finish(0, "a", 1);  // idle and report
  const auto after = ask<ActorReport>(pool, local_v<inspect_atom>);
  CHECK(after.handled == before.handled + 3);
  CHECK(after.busy_us >= before.busy_us);
}
