#include "actors/job_types.h"

#include "common/enum_names.h"

namespace codearena::actors {

const char* priority_name(Priority priority) {
  switch (priority) {
    case Priority::kHigh:
      return "high";
    case Priority::kNormal:
      return "normal";
    case Priority::kLow:
      return "low";
  }
  return "normal";
}

std::optional<Priority> parse_priority(const std::string& name) {
  constexpr Priority kAll[] = {Priority::kHigh, Priority::kNormal, Priority::kLow};
  return common::find_by_name(name, kAll, priority_name);
}

const char* state_name(JobState state) {
  switch (state) {
    case JobState::kQueued:
      return "queued";
    case JobState::kActive:
      return "active";
    case JobState::kCompleted:
      return "completed";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "failed";
}

std::optional<JobState> parse_state(const std::string& name) {
  constexpr JobState kAll[] = {JobState::kQueued, JobState::kActive, JobState::kCompleted,
                               JobState::kFailed, JobState::kCancelled};
  return common::find_by_name(name, kAll, state_name);
}

const char* refusal_code(SubmitRefusal refusal) {
  switch (refusal) {
    case SubmitRefusal::kNone:
      return "";
    case SubmitRefusal::kQueueFull:
      return "queue_full";
    case SubmitRefusal::kShuttingDown:
      return "shutting_down";
    case SubmitRefusal::kNoLeader:
      return "no_leader";
  }
  return "";
}

bool is_final(JobState state) {
  return state == JobState::kCompleted || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

}  // namespace codearena::actors
