#include "actors/job_types.h"

#include <algorithm>

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

const char* webhook_state_name(WebhookState state) {
  switch (state) {
    case WebhookState::kNone:
      return "none";
    case WebhookState::kPending:
      return "pending";
    case WebhookState::kDelivering:
      return "delivering";
    case WebhookState::kDelivered:
      return "delivered";
    case WebhookState::kFailed:
      return "failed";
  }
  return "none";
}

std::optional<WebhookState> parse_webhook_state(const std::string& name) {
  constexpr WebhookState kAll[] = {WebhookState::kNone, WebhookState::kPending,
                                   WebhookState::kDelivering, WebhookState::kDelivered,
                                   WebhookState::kFailed};
  return common::find_by_name(name, kAll, webhook_state_name);
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

namespace {

// Cuts `text` to at most `kept_bytes`, never inside a UTF-8 sequence; true when it cut.
bool cap_text(std::string& text, size_t kept_bytes) {
  if (text.size() <= kept_bytes) return false;
  size_t end = kept_bytes;
  const auto continuation = [&](size_t at) {
    return (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80;
  };
  // The byte at `end` starts the first character left out; back up while it continues one.
  for (int step = 0; step < 3 && end > 0 && continuation(end); ++step) --end;
  text.resize(end);
  text.shrink_to_fit();
  return true;
}

size_t strings_bytes(std::initializer_list<const std::string*> texts) {
  size_t bytes = 0;
  for (const std::string* text : texts) bytes += text->size();
  return bytes;
}

}  // namespace

void cap_kept_output(JobOutcome& outcome, size_t kept_bytes) {
  for (TestOutcome& test : outcome.tests) {
    test.stdout_truncated = cap_text(test.stdout_data, kept_bytes) || test.stdout_truncated;
    test.stderr_truncated = cap_text(test.stderr_data, kept_bytes) || test.stderr_truncated;
  }
}

bool output_within(const JobOutcome& outcome, size_t kept_bytes) {
  return std::all_of(outcome.tests.begin(), outcome.tests.end(), [&](const TestOutcome& test) {
    return test.stdout_data.size() <= kept_bytes && test.stderr_data.size() <= kept_bytes;
  });
}

void add_hop(std::vector<JobHop>& timeline, JobHop hop) {
  if (timeline.size() >= kTimelineMaxHops) timeline.erase(timeline.begin() + 1);
  timeline.push_back(std::move(hop));
}

size_t approximate_bytes(const JobStatus& status) {
  size_t bytes =
      sizeof status + strings_bytes({&status.id, &status.failed_reason, &status.language, &status.owner});
  for (const JobHop& hop : status.timeline)
    bytes += sizeof hop + strings_bytes({&hop.event, &hop.node, &hop.detail});
  if (!status.result) return bytes;
  const JobOutcome& result = *status.result;
  bytes += strings_bytes({&result.language, &result.compile_output, &result.message});
  for (const TestOutcome& test : result.tests) {
    bytes += sizeof test +
             strings_bytes({&test.signal, &test.stdout_data, &test.stderr_data, &test.message});
  }
  return bytes;
}

size_t approximate_bytes(const JobSpec& spec) {
  size_t bytes =
      sizeof spec + strings_bytes({&spec.language, &spec.code, &spec.input, &spec.checker_language,
                                   &spec.checker_code, &spec.callback_url, &spec.owner});
  for (const TestCaseSpec& test : spec.tests) {
    bytes += sizeof test + test.input.size();
    if (test.expected_output) bytes += test.expected_output->size();
  }
  return bytes;
}

}  // namespace codearena::actors
