// A node's own commands over a real (loopback) CAF connection: a remote node that holds the
// published scheduler cannot make the leader step down, hand over, drain or lead in another
// epoch, whether it sends the commands untagged (dropped by the scheduler) or tagged local (its
// own node cannot serialize them). Threads and sockets are real; nothing is timed: every check
// is a request whose answer comes after the commands on the same connection.
#include <catch2/catch.hpp>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/scheduler.h"
#include "cluster/memory_job_store.h"
#include "cluster/store_actor.h"

using namespace codearena::actors;
namespace cl = codearena::cluster;

namespace {

// Generous: a bound on a lost answer, not an expectation of speed.
constexpr auto kPatience = std::chrono::seconds(30);

caf::actor_system_config& networked(caf::actor_system_config& config) {
  register_message_types(config);
  config.load<caf::io::middleman>();
  config.set("logger.file-verbosity", caf::atom("quiet"));
  return config;
}

struct Node {
  Node() : system(networked(config)) {}
  caf::actor_system_config config;
  caf::actor_system system;
};

// The scheduler's stats, or the error it answers with.
caf::expected<SchedulerStats> stats_of(caf::actor_system& system, const scheduler_actor& target) {
  caf::scoped_actor self{system};
  caf::expected<SchedulerStats> result{caf::sec::request_timeout};
  self->request(target, kPatience, stats_atom::value)
      .receive([&](SchedulerStats& stats) { result = std::move(stats); },
               [&](caf::error& error) { result = std::move(error); });
  return result;
}

}  // namespace

TEST_CASE("a remote node cannot command the published leader", "[local][remote]") {
  Node leader_node;
  cl::StoreActorConfig store_config;
  store_config.blocking = false;
  const auto store = cl::spawn_store_actor(
      leader_node.system, std::make_unique<cl::MemoryJobStore>(std::chrono::milliseconds(0)),
      store_config);
  SchedulerConfig settings;
  settings.store = store;
  settings.node_id = "leader";
  const auto scheduler = spawn_scheduler(leader_node.system, std::move(settings));
  caf::anon_send(scheduler, local_v<lead_atom>, int64_t{1});
  // Leading once the store's (empty) job list has been loaded; every try is a round trip.
  bool leading = false;
  for (int tries = 0; tries < 10'000 && !leading; ++tries)
    leading = static_cast<bool>(stats_of(leader_node.system, scheduler));
  REQUIRE(leading);
  const auto port =
      leader_node.system.middleman().publish(scheduler_actor{scheduler}, 0, "127.0.0.1", true);
  REQUIRE(port);

  Node remote_node;
  const auto remote =
      remote_node.system.middleman().remote_actor<scheduler_actor>("127.0.0.1", *port);
  REQUIRE(remote);
  const auto untyped = caf::actor_cast<caf::actor>(*remote);
  caf::anon_send(untyped, follow_atom::value);
  caf::anon_send(untyped, handover_atom::value);
  caf::anon_send(untyped, drain_atom::value, int64_t{0});
  caf::anon_send(untyped, lead_atom::value, int64_t{2});
  caf::anon_send(untyped, local_v<follow_atom>);
  caf::anon_send(untyped, local_v<handover_atom>);
  caf::anon_send(untyped, local_v<lead_atom>, int64_t{2});

  const auto after = stats_of(remote_node.system, *remote);
  REQUIRE(after);
  CHECK(after->epoch == 1);
  CHECK(after->accepting);
  CHECK(after->leader == "leader");

  caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
}
