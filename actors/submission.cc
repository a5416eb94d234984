#include "actors/submission.h"

#include <cstdio>
#include <random>

#include <caf/all.hpp>

namespace codearena::actors {
namespace {

struct SubmissionState {
  std::mt19937_64 random{std::random_device{}()};
  static constexpr const char* name = "submission";
};

submission_actor::behavior_type submission_behavior(
    submission_actor::stateful_pointer<SubmissionState> self, scheduler_actor scheduler) {
  return {
      [=](submit_atom, JobSpec& spec) {
        auto& random = self->state.random;
        const std::string id = random_uuid(random(), random());
        return self->delegate(scheduler, submit_atom::value, id, std::move(spec));
      },
      [=](await_atom, const std::string& id) {
        return self->delegate(scheduler, await_atom::value, id);
      },
      [=](cancel_atom, const std::string& id) {
        return self->delegate(scheduler, cancel_atom::value, id);
      },
      [=](stats_atom) { return self->delegate(scheduler, stats_atom::value); },
      [=](watch_atom, const std::string& id, const job_listener_actor& listener) {
        return self->delegate(scheduler, watch_atom::value, id, listener);
      },
  };
}

}  // namespace

submission_actor spawn_submission(caf::actor_system& system, scheduler_actor scheduler) {
  return system.spawn(submission_behavior, std::move(scheduler));
}

std::string random_uuid(uint64_t high, uint64_t low) {
  high = (high & ~0xF000ULL) | 0x4000ULL;                  // version 4
  low = (low & ~(0xC000ULL << 48)) | (0x8000ULL << 48);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xFFFF),
                static_cast<unsigned>(high & 0xFFFF), static_cast<unsigned>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

}  // namespace codearena::actors
