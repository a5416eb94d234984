// What a remote node can do to a node's actors: send what their published interfaces hold, in
// the only form that crosses the network, a serialized message. The node's own commands (lead,
// follow, drain, handover, ticks, the slot runners' idle and report) cannot be serialized, and
// the untagged look-alikes a remote node could send are dropped without effect.
#include <catch2/catch.hpp>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/scheduler.h"
#include "actors/worker_pool.h"
#include "tests/actors/actor_fixture.h"
#include "tests/actors/fakes.h"

using namespace codearena::actors;
using namespace codearena::actors::testing;

namespace {

// The bytes CAF's remoting would send for `message`, or the error that keeps it off the wire.
caf::error serialize(caf::actor_system& system, const caf::message& message) {
  std::vector<char> bytes;
  caf::binary_serializer sink{system, bytes};
  return message.save(sink);
}

bool crosses_the_network(caf::actor_system& system, const caf::message& message) {
  std::vector<char> bytes;
  caf::binary_serializer sink{system, bytes};
  if (message.save(sink)) return false;
  caf::message decoded;
  caf::binary_deserializer source{system, bytes};
  return !decoded.load(source);
}

class LocalMessageFixture : public ActorFixture {
 public:
  LocalMessageFixture() {
    SchedulerConfig settings;
    settings.store = keep(spawn_scripted_store(system, std::make_shared<StoreScript>()));
    settings.node_id = "leader";
    settings.clock = clock();
    scheduler = keep(spawn_scheduler(system, std::move(settings)));
    caf::anon_send(scheduler, local_v<lead_atom>, int64_t{1});
    run();
  }

  // What a remote node holding the published handle can address: the actor, untyped.
  caf::actor published() const { return caf::actor_cast<caf::actor>(scheduler_actor{scheduler}); }

  local_scheduler_actor scheduler;
};

}  // namespace

TEST_CASE_METHOD(LocalMessageFixture, "a node's own commands cannot be put on the network",
                 "[local]") {
  const std::vector<caf::message> own_commands{
      caf::make_message(local_v<lead_atom>, int64_t{2}),
      caf::make_message(local_v<follow_atom>),
      caf::make_message(local_v<drain_atom>, int64_t{0}),
      caf::make_message(local_v<handover_atom>),
      caf::make_message(local_v<tick_atom>),
      caf::make_message(local_v<idle_atom>, int32_t{0}),
      caf::make_message(local_v<report_atom>, AttemptReport{}),
      caf::make_message(local_v<progress_atom>, std::string{"job"}, int32_t{1}, TestOutcome{}),
      caf::make_message(local_v<running_atom>),
      caf::make_message(local_v<leader_atom>, scheduler_actor{}),
  };
  for (const auto& message : own_commands) {
    INFO(caf::to_string(message));
    const auto error = serialize(system, message);
    CHECK(error == caf::sec::unknown_type);
  }
  // What other nodes send does cross.
  CHECK(crosses_the_network(system, caf::make_message(report_atom::value, AttemptReport{})));
  CHECK(crosses_the_network(
      system, caf::make_message(join_atom::value, NodeInfo{}, worker_actor{},
                                std::vector<RunningAttempt>{})));
}

TEST_CASE_METHOD(LocalMessageFixture,
                 "commands a remote node could encode leave the leader as it was", "[local]") {
  // A remote node's best try: the same atoms without the local tag.
  caf::anon_send(published(), follow_atom::value);
  caf::anon_send(published(), lead_atom::value, int64_t{9});
  caf::anon_send(published(), handover_atom::value);
  caf::anon_send(published(), drain_atom::value, int64_t{0});
  caf::anon_send(published(), tick_atom::value);
  run();
  const auto stats = ask<SchedulerStats>(scheduler, stats_atom::value);
  CHECK(stats.epoch == 1);
  CHECK(stats.accepting);
  const auto reply = ask<SubmitReply>(scheduler, submit_atom::value, std::string{"job-1"},
                                      JobSpec{});
  CHECK(reply.job_id == "job-1");
}

TEST_CASE_METHOD(LocalMessageFixture, "a remote node cannot fake a free slot", "[local]") {
  auto slots = std::make_shared<std::vector<std::string>>();
  const SlotStarter start_slot = [slots](pool_actor::pointer pool, int32_t,
                                         std::shared_ptr<SlotControl>) -> slot_actor {
    return pool->spawn([slots](slot_actor::pointer) -> slot_actor::behavior_type {
      return {[slots](run_atom, const std::string& id, int32_t, const JobSpec&, int32_t) {
        slots->push_back(id);
      }};
    });
  };
  WorkerPoolConfig settings;
  settings.slots = 1;
  const auto pool = keep(spawn_worker_pool(system, start_slot, settings));
  caf::anon_send(pool, local_v<leader_atom>, scheduler_actor{scheduler});
  run();
  caf::anon_send(pool, run_atom::value, std::string{"busy"}, int32_t{1}, JobSpec{}, int32_t{1});
  run();

  // What the leader holds is the pool as a worker_actor; a remote leader sends untagged.
  const auto remote_view = caf::actor_cast<caf::actor>(worker_actor{pool});
  caf::anon_send(remote_view, idle_atom::value, int32_t{0});
  caf::anon_send(remote_view, report_atom::value, AttemptReport{"busy", 1, AttemptReport::Kind::kJudged, {}, {}});
  run();
  caf::anon_send(pool, run_atom::value, std::string{"second"}, int32_t{1}, JobSpec{}, int32_t{1});
  run();
  CHECK(*slots == std::vector<std::string>{"busy"});
  const auto running = ask<std::vector<RunningAttempt>>(pool, local_v<running_atom>);
  REQUIRE(running.size() == 1);
  CHECK(running[0].job_id == "busy");
}
