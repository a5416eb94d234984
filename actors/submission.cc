#include "actors/submission.h"

#include <cstdio>
#include <random>

#include <caf/all.hpp>

namespace codearena::actors {
namespace {

struct SubmissionState {
  std::mt19937_64 random{std::random_device{}()};
  scheduler_actor leader;  // Invalid while no leader is known.
  static constexpr const char* name = "submission";
};

using submission_pointer = submission_actor::stateful_pointer<SubmissionState>;

caf::error no_leader() {
  return caf::make_error(caf::sec::runtime_error, "no scheduler leads the cluster at the moment");
}

// Hands the request to the leader (who answers the client directly), or fails it.
template <class Answer, class... Ts>
caf::result<Answer> forward(submission_pointer self, Ts&&... message) {
  if (!self->state.leader) return no_leader();
  return self->delegate(self->state.leader, std::forward<Ts>(message)...);
}

submission_actor::behavior_type submission_behavior(submission_pointer self,
                                                    scheduler_actor leader) {
  self->state.leader = std::move(leader);
  return {
      [=](submit_atom, JobSpec& spec) -> caf::result<SubmitReply> {
        if (!self->state.leader) {
          return SubmitReply{"", "no_leader", "no scheduler leads the cluster at the moment", 1};
        }
        auto& random = self->state.random;
        const std::string id = random_uuid(random(), random());
        return self->delegate(self->state.leader, submit_atom::value, id, std::move(spec));
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
      [=](watch_atom, const std::string& id, const job_listener_actor& listener) {
        return forward<JobStatus>(self, watch_atom::value, id, listener);
      },
      [=](leader_atom, const scheduler_actor& current) { self->state.leader = current; },
  };
}

}  // namespace

submission_actor spawn_submission(caf::actor_system& system, scheduler_actor leader) {
  return system.spawn(submission_behavior, std::move(leader));
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
