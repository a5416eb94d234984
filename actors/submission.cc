#include "actors/submission.h"

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <random>

#include <caf/all.hpp>

#include "actors/counted_actor.h"

namespace codearena::actors {
namespace {

struct SubmissionState {
  std::mt19937_64 random{std::random_device{}()};
  scheduler_actor leader;  // Invalid while no leader is known.
  // Requests forwarded to a remote leader and not answered yet, by a local key: each entry
  // sends its request (again) to the current leader.
  std::map<uint64_t, std::function<void()>> in_flight;
  uint64_t next_key = 0;
  bool track = false;  // Keep requests until answered (a cluster), or delegate them (one node).
  static constexpr const char* name = "submission";
};

using submission_pointer = counted_stateful_pointer<submission_actor, SubmissionState>;

constexpr auto kRetryPause = std::chrono::milliseconds(200);
constexpr auto kRetryFor = std::chrono::seconds(8);  // Below the askers' 10 s.

caf::error no_leader() {
  return caf::make_error(caf::sec::runtime_error, "no scheduler leads the cluster at the moment");
}

// A submission refused because nobody leads at that moment.
bool says_no_leader(const SubmitReply& reply) {
  return reply.refusal == SubmitRefusal::kNoLeader;
}
template <class Answer>
bool says_no_leader(const Answer&) {
  return false;
}

// Hands the request to the leader. Outside a cluster the local leader answers the client
// directly. In a cluster the leader may be lost (or step down) with the request unanswered, and
// CAF 0.17 sends no error for that, so the request is kept and sent again to the next leader;
// one that finds a node not (yet) leading is sent again shortly, for up to kRetryFor. Every
// request is safe to repeat: a submission keeps its job id, and a leader accepts an id once.
template <class Answer, class... Ts>
caf::result<Answer> forward(submission_pointer self, Ts... message) {
  auto& state = self->state;
  if (!state.leader) return no_leader();
  if (!state.track) return self->delegate(state.leader, message...);
  auto promise = self->make_response_promise<Answer>();
  const uint64_t key = ++state.next_key;
  const auto give_up_at = self->clock().now() + kRetryFor;
  const auto again = [=] {
    if (self->clock().now() >= give_up_at) return false;
    self->delayed_send(self, kRetryPause, local_v<tick_atom>, key);
    return true;
  };
  auto send = [=]() mutable {
    if (!self->state.leader) return;  // Sent when the next leader is known.
    self->request(self->state.leader, caf::infinite, message...)
        .then(
            [=](Answer& answer) mutable {
              if (self->state.in_flight.count(key) == 0) return;
              if (says_no_leader(answer) && again()) return;
              self->state.in_flight.erase(key);
              promise.deliver(std::move(answer));
            },
            [=](caf::error& error) mutable {
              if (self->state.in_flight.count(key) == 0) return;
              if (is_not_leading(error) && again()) return;
              self->state.in_flight.erase(key);
              promise.deliver(std::move(error));
            });
  };
  state.in_flight.emplace(key, send);
  send();
  return promise;
}

void follow(submission_pointer self, const scheduler_actor& leader) {
  auto& state = self->state;
  if (leader == state.leader) return;
  if (state.leader) self->demonitor(state.leader.address());
  state.leader = leader;
  if (!leader) return;
  self->monitor(leader);
  for (auto& [key, send] : state.in_flight) send();
}

submission_actor::behavior_type submission_behavior(submission_pointer self, scheduler_actor leader,
                                                    bool track) {
  self->state.track = track;
  follow(self, leader);
  self->set_down_handler([=](caf::down_msg& down) {
    // The leader is gone: what it had not answered goes to the next one the membership names.
    if (down.source == self->state.leader.address()) self->state.leader = nullptr;
  });
  return {
      [=](submit_atom, JobSpec& spec) -> caf::result<SubmitReply> {
        if (!self->state.leader) {
          return SubmitReply{"", SubmitRefusal::kNoLeader,
                             "no scheduler leads the cluster at the moment", 1};
        }
        auto& random = self->state.random;
        const std::string id = random_uuid(random(), random());
        return forward<SubmitReply>(self, submit_atom::value, id, std::move(spec));
      },
      [=](await_atom, const std::string& id) {
        return forward<JobStatus>(self, await_atom::value, id);
      },
      [=](status_atom, const std::string& id) {
        return forward<JobStatus>(self, status_atom::value, id);
      },
      [=](cancel_atom, const std::string& id) {
        return forward<CancelReply>(self, cancel_atom::value, id);
      },
      [=](stats_atom) { return forward<SchedulerStats>(self, stats_atom::value); },
      [=](list_atom, const JobQuery& query) {
        return forward<JobPage>(self, list_atom::value, query);
      },
      [=](inspect_atom) { return forward<ClusterView>(self, inspect_atom::value); },
      [=](watch_atom, const std::string& id,
          const job_listener_actor& listener) -> caf::result<JobStatus> {
        // The leader answers the listener itself, not through this actor: the answer then comes
        // in order with the job's events, which the leader sends the listener directly (an event
        // must not overtake the state it follows), and from the actor the listener monitors to
        // watch again through the next leader. A watch the lost leader never answered times out
        // at the listener, which asks again (the first time, its client is told 503).
        if (!self->state.leader) return no_leader();
        return self->delegate(self->state.leader, watch_atom::value, id, listener);
      },
      [=](local<leader_atom>, const scheduler_actor& current) { follow(self, current); },
      [=](local<inspect_atom>) {
        const auto& state = self->state;
        return describe(self, "submission", "submission",
                        std::string(state.leader ? "leader known" : "no leader") + "; " +
                            std::to_string(state.in_flight.size()) +
                            " requests awaiting the leader");
      },
      [=](local<tick_atom>, uint64_t key) {
        const auto found = self->state.in_flight.find(key);
        if (found != self->state.in_flight.end()) found->second();
      },
  };
}

}  // namespace

submission_actor spawn_submission(caf::actor_system& system, scheduler_actor leader,
                                  bool track_requests) {
  return system.spawn(submission_behavior, std::move(leader), track_requests);
}

std::string random_uuid(uint64_t high, uint64_t low) {
  high = (high & ~0xF000ULL) | 0x4000ULL;                // version 4
  low = (low & ~(0xC000ULL << 48)) | (0x8000ULL << 48);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

}  // namespace codearena::actors
