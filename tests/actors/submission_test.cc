// The submission actor: job ids, forwarding to whichever node leads, and (in a cluster) sending
// a request again to the next leader when the one it went to was lost or did not lead yet.
#include <catch2/catch.hpp>

#include "actors/submission.h"
#include "tests/actors/actor_fixture.h"
#include "tests/actors/fakes.h"

using namespace codearena::actors;
using namespace codearena::actors::testing;
using namespace std::chrono_literals;

namespace {

class SubmissionFixture : public ActorFixture {
 public:
  scripted_leader_actor leader(const std::shared_ptr<LeaderScript>& script) {
    return keep(spawn_scripted_leader(system, script));
  }
  // `leader` answers its oldest pending submission with `reply`.
  void answer(const scripted_leader_actor& leader, const std::shared_ptr<LeaderScript>& script,
              SubmitReply reply) {
    script->submission_answers.push_back(std::move(reply));
    caf::anon_send(leader, local_v<tick_atom>);
    run();
  }
  void tell_leader(const scheduler_actor& leader) {
    caf::anon_send(submission, local_v<leader_atom>, leader);
    run();
  }

  submission_actor submission = keep(spawn_submission(system, {}, true));
};

JobSpec job() {
  JobSpec spec;
  spec.language = "python";
  spec.code = "print(1)";
  return spec;
}

}  // namespace

TEST_CASE_METHOD(SubmissionFixture, "without a leader submissions are refused with no_leader",
                 "[submission]") {
  const auto reply = ask<SubmitReply>(submission, submit_atom::value, job());
  CHECK(reply.error_code == "no_leader");
  CHECK(reply.retry_after_s == 1);
  const auto status = request<JobStatus>(submission, status_atom::value, std::string{"x"});
  run();
  CHECK(status->error);
}

TEST_CASE_METHOD(SubmissionFixture, "a submission gets a fresh UUID and the leader's answer",
                 "[submission]") {
  const auto script = std::make_shared<LeaderScript>();
  const auto current = leader(script);
  tell_leader(current);
  const auto reply = request<SubmitReply>(submission, submit_atom::value, job());
  run();
  REQUIRE(script->submissions.size() == 1);
  const std::string id = script->submissions[0].first;
  CHECK(id.size() == 36);
  CHECK(id[14] == '4');
  answer(current, script, SubmitReply{id});
  REQUIRE(reply->answer);
  CHECK(reply->answer->job_id == id);
}

TEST_CASE_METHOD(SubmissionFixture,
                 "a request the lost leader left unanswered goes again, same id, to the next",
                 "[submission]") {
  const auto first = std::make_shared<LeaderScript>();
  const auto second = std::make_shared<LeaderScript>();
  const auto first_leader = leader(first);
  const auto second_leader = leader(second);
  tell_leader(first_leader);
  const auto reply = request<SubmitReply>(submission, submit_atom::value, job());
  run();
  REQUIRE(first->submissions.size() == 1);

  tell_leader(second_leader);
  REQUIRE(second->submissions.size() == 1);
  const std::string id = second->submissions[0].first;
  CHECK(id == first->submissions[0].first);
  answer(second_leader, second, SubmitReply{id});
  REQUIRE(reply->answer);
  CHECK(reply->answer->job_id == id);

  // The first leader's late answer is not a second one.
  answer(first_leader, first, SubmitReply{"", "queue_full", "late", 1});
  CHECK(reply->answer->job_id == id);
}

TEST_CASE_METHOD(SubmissionFixture,
                 "a node that does not lead yet is asked again every pause, for a while",
                 "[submission]") {
  const auto script = std::make_shared<LeaderScript>();
  script->refuse_with = not_leading_error();
  tell_leader(leader(script));
  const auto reply = request<JobStatus>(submission, status_atom::value, std::string{"job-1"});
  run();
  CHECK_FALSE(reply->arrived());

  SECTION("it starts leading: the request is answered") {
    script->refuse_with.reset();
    advance(200ms);
    CHECK(reply->answer);
  }
  SECTION("it never does: the request fails after the retry time") {
    advance(7900ms);
    CHECK_FALSE(reply->arrived());
    advance(300ms);
    REQUIRE(reply->error);
    CHECK(is_not_leading(*reply->error));
  }
}

TEST_CASE_METHOD(SubmissionFixture, "the leader going down clears it until the next is known",
                 "[submission]") {
  const auto script = std::make_shared<LeaderScript>();
  const auto lost = leader(script);
  tell_leader(lost);
  caf::anon_send_exit(lost, caf::exit_reason::kill);
  run();
  CHECK(ask<SubmitReply>(submission, submit_atom::value, job()).error_code == "no_leader");
}
