// The membership of a node that keeps its lease in memory (the embedded node and the leader of
// a --join cluster): it leads, follows itself, joins its own scheduler with its pool's attempts,
// tells its pool and submission actor, heartbeats, joins again when forgotten, and stops
// competing on handover. Redis and remote leaders are the end-to-end cluster tests' part.
#include <catch2/catch.hpp>

#include "cluster/membership.h"
#include "telemetry/log.h"
#include "tests/actors/actor_fixture.h"

using namespace codearena::actors;
using namespace codearena::actors::testing;
using namespace std::chrono_literals;
namespace cl = codearena::cluster;

namespace {

// What the node's own actors were told.
struct NodeLog {
  std::vector<int64_t> leads;
  int follows = 0;
  std::vector<std::pair<std::string, std::vector<RunningAttempt>>> joins;
  int heartbeats = 0;
  bool leader_knows_node = true;
  std::vector<RunningAttempt> pool_runs;
  std::vector<bool> pool_leaders;        // Per notice: whether a leader was named.
  std::vector<bool> submission_leaders;  // Per notice: whether a leader was named.
};

local_scheduler_actor::behavior_type own_scheduler(local_scheduler_actor::pointer,
                                                   std::shared_ptr<NodeLog> log) {
  return {
      [](submit_atom, const std::string&, const JobSpec&) { return SubmitReply{}; },
      [](await_atom, const std::string&) { return JobStatus{}; },
      [](status_atom, const std::string&) { return JobStatus{}; },
      [](cancel_atom, const std::string&) { return CancelReply{}; },
      [](stats_atom) { return SchedulerStats{}; },
      [](list_atom, const JobQuery&) { return JobPage{}; },
      [](watch_atom, const std::string&, const job_listener_actor&) { return JobStatus{}; },
      [=](join_atom, const NodeInfo& info, const worker_actor&,
          const std::vector<RunningAttempt>& running) {
        log->joins.emplace_back(info.id, running);
        return log->leads.empty() ? int64_t{0} : log->leads.back();
      },
      [=](heartbeat_atom, const std::string&) {
        ++log->heartbeats;
        return log->leader_knows_node;
      },
      [](leave_atom, const std::string&) { return true; },
      [](run_atom, const std::string&, int32_t, int32_t) {},
      [](progress_atom, const std::string&, int32_t, const TestOutcome&) {},
      [](report_atom, const AttemptReport&) { return true; },
      [=](local<lead_atom>, int64_t epoch) { log->leads.push_back(epoch); },
      [=](local<follow_atom>) { ++log->follows; },
      [](local<drain_atom>, int64_t) { return int64_t{0}; },
      [](local<handover_atom>) { return true; },
      [](local<tick_atom>) {},
      [](local<webhook_atom>, const std::string&, const WebhookStatus&) {},
      [](inspect_atom, const std::string&, const inspector_actor&) {},
      [](inspect_atom) { return ClusterView{}; },
      [](local<inspect_atom>) { return ActorReport{}; },
  };
}

pool_actor::behavior_type own_pool(pool_actor::pointer, std::shared_ptr<NodeLog> log) {
  return {
      [](run_atom, const std::string&, int32_t, const JobSpec&, int32_t) {},
      [](cancel_atom, const std::string&, int32_t) {},
      [=](local<leader_atom>, const scheduler_actor& leader) {
        log->pool_leaders.push_back(static_cast<bool>(leader));
      },
      [=](local<running_atom>) { return log->pool_runs; },
      [](local<drain_atom>, int64_t) { return int64_t{0}; },
      [](local<idle_atom>, int32_t) {},
      [](local<report_atom>, const AttemptReport&) {},
      [](local<progress_atom>, const std::string&, int32_t, const TestOutcome&) {},
      [](local<tick_atom>) {},
      [](local<inspect_atom>) { return ActorReport{}; },
  };
}

submission_actor::behavior_type own_submission(submission_actor::pointer,
                                               std::shared_ptr<NodeLog> log) {
  return {
      [](submit_atom, const JobSpec&) { return SubmitReply{}; },
      [](await_atom, const std::string&) { return JobStatus{}; },
      [](status_atom, const std::string&) { return JobStatus{}; },
      [](cancel_atom, const std::string&) { return CancelReply{}; },
      [](stats_atom) { return SchedulerStats{}; },
      [](list_atom, const JobQuery&) { return JobPage{}; },
      [](watch_atom, const std::string&, const job_listener_actor&) { return JobStatus{}; },
      [=](local<leader_atom>, const scheduler_actor& leader) {
        log->submission_leaders.push_back(static_cast<bool>(leader));
      },
      [](local<tick_atom>, uint64_t) {},
      [](inspect_atom) { return ClusterView{}; },
      [](local<inspect_atom>) { return ActorReport{}; },
  };
}

class MembershipFixture : public ActorFixture {
 public:
  MembershipFixture() { log->pool_runs = {{"job-1", 2}}; }

  void start(std::vector<std::string> roles) {
    cl::MembershipConfig settings;
    const bool scheduler_role = std::find(roles.begin(), roles.end(), "scheduler") != roles.end();
    settings.node = NodeInfo{"node-1", std::move(roles), "", 2};
    settings.heartbeat_interval = 1000ms;
    cl::NodeActors own;
    if (scheduler_role) own.scheduler = keep(system.spawn(own_scheduler, log));
    own.pool = keep(system.spawn(own_pool, log));
    own.submission = keep(system.spawn(own_submission, log));
    membership = keep(cl::spawn_membership(system, settings, own, logger));
    run();
  }

  std::shared_ptr<NodeLog> log = std::make_shared<NodeLog>();
  codearena::telemetry::Logger logger{codearena::telemetry::LogLevel::error};
  cl::membership_actor membership;
};

}  // namespace

TEST_CASE_METHOD(MembershipFixture,
                 "a node that can lead takes the lease and joins itself with its attempts",
                 "[membership]") {
  start({"scheduler", "worker"});
  REQUIRE(log->leads.size() == 1);
  REQUIRE(log->joins.size() == 1);
  CHECK(log->joins[0].first == "node-1");
  REQUIRE(log->joins[0].second.size() == 1);
  CHECK(log->joins[0].second[0].job_id == "job-1");
  // The pool follows the leader once it has joined; the submission actor at once.
  CHECK(log->pool_leaders == std::vector<bool>{true});
  CHECK_FALSE(log->submission_leaders.empty());
  CHECK(log->submission_leaders.back());

  advance(1000ms);
  CHECK(log->heartbeats == 1);
  CHECK(log->joins.size() == 1);
  // Told to lead every period: a scheduler that stood by after a store failure leads again.
  CHECK(log->leads == std::vector<int64_t>{log->leads[0], log->leads[0]});
}

TEST_CASE_METHOD(MembershipFixture, "a node the leader has forgotten joins again", "[membership]") {
  start({"scheduler", "worker"});
  log->leader_knows_node = false;
  advance(1000ms);
  CHECK(log->heartbeats == 1);
  CHECK(log->joins.size() == 1);
  log->leader_knows_node = true;
  advance(1000ms);
  CHECK(log->joins.size() == 2);
}

TEST_CASE_METHOD(MembershipFixture, "after handover the node never competes for the lease again",
                 "[membership]") {
  start({"scheduler", "worker"});
  CHECK(ask<bool>(membership, local_v<handover_atom>));
  const auto leads = log->leads.size();
  advance(3000ms);
  CHECK(log->leads.size() == leads);
  CHECK(log->follows == 0);
}

TEST_CASE_METHOD(MembershipFixture, "a worker without a leader to find tells nobody to follow",
                 "[membership]") {
  start({"worker"});
  advance(2000ms);
  CHECK(log->leads.empty());
  CHECK(log->joins.empty());
  CHECK(log->pool_leaders.empty());
  CHECK(log->submission_leaders.empty());
}
