#include "actors/job_types.h"

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
  for (const auto priority : {Priority::kHigh, Priority::kNormal, Priority::kLow}) {
    if (name == priority_name(priority)) return priority;
  }
  return std::nullopt;
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

bool is_final(JobState state) {
  return state == JobState::kCompleted || state == JobState::kFailed ||
         state == JobState::kCancelled;
}

}  // namespace codearena::actors
