#include "actors/job_book.h"

#include <algorithm>

namespace codearena::actors {
namespace {

constexpr size_t kLatencySamples = 2048;
constexpr int64_t kRateWindowSeconds = 60;

size_t total_index(JobState state) {
  return state == JobState::kCompleted ? 0 : state == JobState::kFailed ? 1 : 2;
}

// Replaces the record's status with a copy to change: the one it held may be shared already
// (status board, events), and those see the status as it was published.
JobStatus& renewed(BookEntry& record) {
  auto next = std::make_shared<JobStatus>(*record.status);
  JobStatus& status = *next;
  record.status = std::move(next);
  return status;
}

size_t finished_bytes(const BookEntry& record) {
  return approximate_bytes(*record.status) + approximate_bytes(record.spec);
}

int64_t percentile(std::vector<int64_t> values, double fraction) {
  if (values.empty()) return 0;
  const auto rank = static_cast<size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  std::nth_element(values.begin(), values.begin() + rank, values.end());
  return values[rank];
}

// A judged job's final progress: the tests that ran are done, the others (after a failure under
// stopOnFirstFailure, or every test when compilation failed) are skipped.
void count_tests_run(JobStatus& status) {
  const auto& tests = status.result->tests;
  const auto ran = std::count_if(tests.begin(), tests.end(), [](const TestOutcome& test) {
    return test.verdict != Verdict::kSkipped;
  });
  status.tests_done = static_cast<int32_t>(std::min<int64_t>(ran, status.tests_total));
  status.tests_skipped = status.tests_total - status.tests_done;
}

}  // namespace

JobBook::JobBook(SchedulerPolicy policy, uint64_t seed) : policy_(policy), random_(seed) {
  latencies_ms_.reserve(kLatencySamples);
}

SubmitReply JobBook::add(const std::string& id, JobSpec spec, int64_t now_ms) {
  SubmitReply reply;
  if (waiting() >= policy_.queue_max_depth) {
    reply.refusal = SubmitRefusal::kQueueFull;
    reply.error_message = "the queue holds " + std::to_string(policy_.queue_max_depth) +
                          " waiting jobs, its maximum; try again shortly";
    reply.retry_after_s = 1;
    return reply;
  }
  auto status = std::make_shared<JobStatus>();
  status->id = id;
  status->state = JobState::kQueued;
  status->language = spec.language;
  status->priority = spec.priority;
  status->owner = spec.owner;
  status->tests_total = static_cast<int32_t>(std::max<size_t>(1, spec.tests.size()));
  status->created_at_ms = now_ms;
  enqueue(*status, false);
  BookEntry record;
  record.spec = std::move(spec);
  index(*status);
  record.status = std::move(status);
  jobs_.emplace(id, std::move(record));
  ++submitted_;
  reply.job_id = id;
  return reply;
}

const BookEntry* JobBook::find(const std::string& id) const {
  const auto found = jobs_.find(id);
  return found == jobs_.end() ? nullptr : &found->second;
}

void JobBook::note(const std::string& id, JobHop hop) {
  const auto found = jobs_.find(id);
  if (found == jobs_.end()) return;
  BookEntry& record = found->second;
  // A finished job's bytes count towards the retention bound: recounted with the new hop.
  const bool finished = is_final(record.status->state);
  if (finished) retained_bytes_ -= finished_bytes(record);
  add_hop(renewed(record).timeline, std::move(hop));
  if (finished) retained_bytes_ += finished_bytes(record);
}

int64_t JobBook::waiting() const {
  int64_t count = static_cast<int64_t>(retries_.size());
  for (const auto& queue : queues_) count += static_cast<int64_t>(queue.size());
  return count;
}

void JobBook::promote_due_retries(int64_t now_ms) {
  while (!retries_.empty() && retries_.begin()->first <= now_ms) {
    const std::string id = retries_.begin()->second;
    retries_.erase(retries_.begin());
    // A retried job has waited already: it goes ahead of jobs of its priority that came later.
    enqueue(*jobs_.at(id).status, true);
  }
}

void JobBook::enqueue(const JobStatus& status, bool ahead) {
  auto& queue = queues_[static_cast<int>(status.priority)];
  if (ahead) {
    queue.push_front(status.id);
  } else {
    queue.push_back(status.id);
  }
  auto [counts, added] = queued_by_language_.try_emplace(status.language);
  if (added) counts->second.assign(kPriorityCount, 0);
  ++counts->second[static_cast<int>(status.priority)];
}

void JobBook::dequeued(const JobStatus& status) {
  const auto counts = queued_by_language_.find(status.language);
  if (counts == queued_by_language_.end()) return;
  --counts->second[static_cast<int>(status.priority)];
  const auto& by_priority = counts->second;
  if (std::all_of(by_priority.begin(), by_priority.end(), [](int64_t n) { return n == 0; }))
    queued_by_language_.erase(counts);
}

std::optional<std::pair<BookEntry*, JobEvent>> JobBook::start_next(const std::string& worker,
                                                                   int64_t now_ms) {
  return start_next([&worker](const std::string&) { return worker; }, now_ms);
}

std::optional<std::pair<BookEntry*, JobEvent>> JobBook::start_next(const WorkerChooser& choose,
                                                                   int64_t now_ms) {
  promote_due_retries(now_ms);
  std::unordered_map<std::string, std::string> worker_for_language;
  for (auto& queue : queues_) {
    for (auto position = queue.begin(); position != queue.end(); ++position) {
      BookEntry& record = jobs_.at(*position);
      const std::string& language = record.status->language;
      const auto [chosen, first_ask] = worker_for_language.emplace(language, "");
      if (first_ask) chosen->second = choose(language);
      if (chosen->second.empty()) continue;
      queue.erase(position);
      dequeued(*record.status);
      return start(record, chosen->second, now_ms);
    }
  }
  return std::nullopt;
}

std::pair<BookEntry*, JobEvent> JobBook::start(BookEntry& record, const std::string& worker,
                                               int64_t now_ms) {
  record.worker = worker;
  JobStatus& status = renewed(record);
  status.state = JobState::kActive;
  status.attempts += 1;
  status.tests_done = 0;
  record.held_tests.clear();
  if (status.started_at_ms == 0) status.started_at_ms = now_ms;
  ++active_;
  return std::make_pair(&record, event_of(record, false));
}

std::optional<int64_t> JobBook::next_retry_due() const {
  if (retries_.empty()) return std::nullopt;
  return retries_.begin()->first;
}

std::vector<JobEvent> JobBook::record_test(const std::string& id, int32_t attempt,
                                           const TestOutcome& test) {
  std::vector<JobEvent> events;
  const auto found = jobs_.find(id);
  if (found == jobs_.end()) return events;
  BookEntry& record = found->second;
  if (record.status->state != JobState::kActive || record.status->attempts != attempt)
    return events;
  record.held_tests.emplace(test.index, test);
  while (!record.held_tests.empty() &&
         record.held_tests.begin()->first <= record.status->tests_done) {
    JobStatus& status = renewed(record);
    status.tests_done = std::min(status.tests_done + 1, status.tests_total);
    JobEvent event = event_of(record, false);
    event.test = std::move(record.held_tests.begin()->second);
    record.held_tests.erase(record.held_tests.begin());
    events.push_back(std::move(event));
  }
  return events;
}

std::optional<JobEvent> JobBook::finish(const AttemptReport& report, int64_t now_ms) {
  const auto found = jobs_.find(report.job_id);
  if (found == jobs_.end()) return std::nullopt;
  BookEntry& record = found->second;
  if (record.status->state != JobState::kActive || record.status->attempts != report.attempt)
    return std::nullopt;
  --active_;
  record.worker.clear();
  JobStatus& status = renewed(record);
  switch (report.kind) {
    case AttemptReport::Kind::kJudged:
      status.result = report.outcome;
      cap_kept_output(*status.result, policy_.kept_output_bytes);
      count_tests_run(status);
      return settle(record, status, JobState::kCompleted, now_ms);
    case AttemptReport::Kind::kCancelled:
      return settle(record, status, JobState::kCancelled, now_ms);
    case AttemptReport::Kind::kRejected:
      status.failed_reason = report.message;
      return settle(record, status, JobState::kFailed, now_ms);
    case AttemptReport::Kind::kNotStarted:
      // Handed back before it ran: back to the queue's head at once, no backoff, never failed
      // for it. The attempt number stays used, so a late acknowledgement of this report can
      // never be taken for the next attempt's.
      status.state = JobState::kQueued;
      status.tests_done = 0;
      enqueue(status, true);
      return event_of(record, false);
    case AttemptReport::Kind::kInternalError:
      break;
  }
  if (status.attempts >= policy_.max_attempts) {
    status.failed_reason =
        "internal error after " + std::to_string(status.attempts) + " attempts: " + report.message;
    return settle(record, status, JobState::kFailed, now_ms);
  }
  status.state = JobState::kQueued;
  status.tests_done = 0;
  record.retry_due_ms = now_ms + backoff_ms(status.attempts);
  retries_.emplace(record.retry_due_ms, status.id);
  return event_of(record, false);
}

CancelReply JobBook::cancel(const std::string& id, int64_t now_ms, std::string* was_running_on) {
  CancelReply reply;
  const auto found = jobs_.find(id);
  if (found == jobs_.end()) return reply;
  BookEntry& record = found->second;
  if (is_final(record.status->state)) {
    reply.result = CancelResult::kAlreadyFinished;
    reply.status = *record.status;
    return reply;
  }
  if (record.status->state == JobState::kActive) {
    *was_running_on = record.worker;
    record.worker.clear();
    --active_;
  } else {
    auto& queue = queues_[static_cast<int>(record.status->priority)];
    const auto queued = std::find(queue.begin(), queue.end(), id);
    if (queued != queue.end()) {
      queue.erase(queued);
      dequeued(*record.status);
    }
    for (auto it = retries_.lower_bound(record.retry_due_ms);
         it != retries_.end() && it->first == record.retry_due_ms; ++it) {
      if (it->second == id) {
        retries_.erase(it);
        break;
      }
    }
  }
  settle(record, renewed(record), JobState::kCancelled, now_ms);
  reply.result = CancelResult::kCancelled;
  reply.status = *record.status;
  return reply;
}

std::vector<JobEvent> JobBook::fail_waiting(const std::string& reason, int64_t now_ms) {
  std::vector<std::string> ids;
  for (auto& queue : queues_) {
    ids.insert(ids.end(), queue.begin(), queue.end());
    queue.clear();
  }
  queued_by_language_.clear();
  for (const auto& [due, id] : retries_) ids.push_back(id);
  retries_.clear();
  std::vector<JobEvent> events;
  for (const auto& id : ids) events.push_back(fail(jobs_.at(id), reason, now_ms));
  return events;
}

std::vector<JobEvent> JobBook::fail_queued(const QueuedJobVerdict& verdict, int64_t now_ms) {
  std::vector<JobEvent> events;
  for (auto& queue : queues_) {
    for (auto position = queue.begin(); position != queue.end();) {
      BookEntry& record = jobs_.at(*position);
      const std::string reason = verdict(record);
      if (reason.empty()) {
        ++position;
        continue;
      }
      position = queue.erase(position);
      dequeued(*record.status);
      events.push_back(fail(record, reason, now_ms));
    }
  }
  return events;
}

JobEvent JobBook::fail(BookEntry& record, const std::string& reason, int64_t now_ms) {
  JobStatus& status = renewed(record);
  status.failed_reason = reason;
  return settle(record, status, JobState::kFailed, now_ms);
}

std::vector<std::pair<JobEvent, std::string>> JobBook::fail_running(const std::string& reason,
                                                                    int64_t now_ms) {
  std::vector<std::pair<JobEvent, std::string>> stopped;
  for (auto& [id, record] : jobs_) {
    if (record.status->state != JobState::kActive) continue;
    JobStatus& status = renewed(record);
    status.failed_reason = reason;
    std::string worker = std::move(record.worker);
    record.worker.clear();
    --active_;
    stopped.emplace_back(settle(record, status, JobState::kFailed, now_ms), std::move(worker));
  }
  return stopped;
}

void JobBook::restore(const StoredJob& job) {
  const std::string& id = job.status.id;
  if (is_final(job.status.state) || jobs_.count(id) > 0) return;
  auto status = std::make_shared<JobStatus>(job.status);
  if (status->state == JobState::kActive) {
    ++active_;
  } else {
    status->tests_done = 0;
    enqueue(*status, false);
  }
  BookEntry record;
  record.spec = job.spec.value_or(JobSpec{});
  index(*status);
  record.status = std::move(status);
  jobs_.emplace(id, std::move(record));
}

bool JobBook::claim(const std::string& id, int32_t attempt, const std::string& worker) {
  const auto found = jobs_.find(id);
  if (found == jobs_.end()) return false;
  BookEntry& record = found->second;
  if (record.status->state != JobState::kActive || record.status->attempts != attempt ||
      !(record.worker.empty() || record.worker == worker))
    return false;
  record.worker = worker;
  return true;
}

std::vector<RunningAttempt> JobBook::running_on(const std::string& worker) const {
  std::vector<RunningAttempt> running;
  if (active_ == 0) return running;
  for (const auto& [id, record] : jobs_) {
    if (record.status->state == JobState::kActive && record.worker == worker)
      running.push_back({id, record.status->attempts});
  }
  return running;
}

std::vector<std::string> JobBook::expire(int64_t now_ms) {
  std::vector<std::string> forgotten;
  while (!finished_order_.empty() &&
         (finished_order_.front().first + policy_.retention_ms <= now_ms ||
          finished_order_.size() > policy_.max_retained_finished ||
          retained_bytes_ > policy_.retention_bytes)) {
    const auto found = jobs_.find(finished_order_.front().second);
    retained_bytes_ -= finished_bytes(found->second);
    unindex(*found->second.status);
    jobs_.erase(found);
    forgotten.push_back(std::move(finished_order_.front().second));
    finished_order_.pop_front();
  }
  return forgotten;
}

namespace {

bool matches(const JobQuery& query, const JobStatus& status) {
  return (query.any_owner || status.owner == query.owner) &&
         (query.state.empty() || query.state == state_name(status.state)) &&
         (query.language.empty() || query.language == status.language);
}

JobStatus summary_of(const JobStatus& status) {
  JobStatus summary = status;
  if (summary.result) {
    summary.result->tests.clear();
    summary.result->compile_output.clear();
  }
  return summary;
}

}  // namespace

std::shared_ptr<const JobStatus> JobBook::record_webhook(const std::string& id,
                                                        WebhookStatus webhook) {
  constexpr size_t kKeptErrorBytes = 300;
  const auto found = jobs_.find(id);
  if (found == jobs_.end()) return nullptr;
  const WebhookStatus& current = found->second.status->webhook;
  // Reports of one delivery come from several threads: a late one about an earlier attempt
  // must not replace a later one.
  const bool ended = current.state == WebhookState::kDelivered ||
                     current.state == WebhookState::kFailed;
  if (current.state == WebhookState::kNone || ended || webhook.attempts < current.attempts)
    return nullptr;
  if (webhook.last_error.size() > kKeptErrorBytes) webhook.last_error.resize(kKeptErrorBytes);
  renewed(found->second).webhook = std::move(webhook);
  return found->second.status;
}

void JobBook::index(const JobStatus& status) {
  by_creation_.emplace(status.created_at_ms, status.id);
  by_owner_[status.owner].emplace(status.created_at_ms, status.id);
}

void JobBook::unindex(const JobStatus& status) {
  by_creation_.erase({status.created_at_ms, status.id});
  const auto owned = by_owner_.find(status.owner);
  if (owned == by_owner_.end()) return;
  owned->second.erase({status.created_at_ms, status.id});
  if (owned->second.empty()) by_owner_.erase(owned);
}

JobPage JobBook::list(const JobQuery& query) const {
  JobPage page;
  // A job without owner is an admin's only (as Principal::may_access has it).
  if (!query.any_owner && query.owner.empty()) return page;
  static const CreationOrder kNone;
  const auto owned = by_owner_.find(query.owner);
  const CreationOrder& order =
      query.any_owner ? by_creation_ : owned == by_owner_.end() ? kNone : owned->second;
  auto next = query.after_id.empty() ? order.begin()
                                     : order.upper_bound({query.after_created_ms, query.after_id});
  for (; next != order.end(); ++next) {
    const JobStatus& status = *jobs_.at(next->second).status;
    if (!matches(query, status)) continue;
    if (static_cast<int32_t>(page.jobs.size()) == query.limit) {
      page.more = true;
      break;
    }
    page.jobs.push_back(summary_of(status));
  }
  return page;
}

SchedulerStats JobBook::stats(int64_t now_ms) const {
  SchedulerStats stats;
  for (int p = 0; p < kPriorityCount; ++p)
    stats.queued_by_priority[p] = static_cast<int64_t>(queues_[p].size());
  stats.queued_by_language = queued_by_language_;
  stats.retry_waiting = static_cast<int64_t>(retries_.size());
  stats.active = active_;
  stats.completed = totals_[0];
  stats.failed = totals_[1];
  stats.cancelled = totals_[2];
  stats.submitted = submitted_;
  stats.retained = static_cast<int64_t>(jobs_.size());
  stats.retained_bytes = static_cast<int64_t>(retained_bytes_);
  const int64_t this_second = now_ms / 1000;
  int64_t finished_last_minute = 0;
  for (const auto& [second, count] : finishes_per_second_) {
    if (second > this_second - kRateWindowSeconds) finished_last_minute += count;
  }
  stats.jobs_per_second_last_minute =
      static_cast<double>(finished_last_minute) / static_cast<double>(kRateWindowSeconds);
  stats.latency_samples = static_cast<int64_t>(latencies_ms_.size());
  stats.latency_p50_ms = percentile(latencies_ms_, 0.50);
  stats.latency_p90_ms = percentile(latencies_ms_, 0.90);
  stats.latency_p99_ms = percentile(latencies_ms_, 0.99);
  return stats;
}

JobEvent JobBook::event_of(const BookEntry& record, bool with_result) const {
  JobEvent event;
  event.status = *record.status;
  if (!with_result) event.status.result.reset();
  event.status.timeline.clear();
  return event;
}

// `status` is the record's renewed status (see renewed()), not shared with anyone yet.
JobEvent JobBook::settle(BookEntry& record, JobStatus& status, JobState state, int64_t now_ms) {
  status.state = state;
  status.finished_at_ms = now_ms;
  if (!record.spec.callback_url.empty()) status.webhook.state = WebhookState::kPending;
  ++totals_[total_index(state)];
  finished_order_.emplace_back(now_ms, status.id);
  retained_bytes_ += finished_bytes(record);
  const int64_t second = now_ms / 1000;
  if (finishes_per_second_.empty() || finishes_per_second_.back().first != second)
    finishes_per_second_.emplace_back(second, 0);
  ++finishes_per_second_.back().second;
  while (finishes_per_second_.front().first <= second - kRateWindowSeconds)
    finishes_per_second_.pop_front();
  const int64_t latency = now_ms - status.created_at_ms;
  if (latencies_ms_.size() < kLatencySamples) {
    latencies_ms_.push_back(latency);
  } else {
    latencies_ms_[latency_next_] = latency;
    latency_next_ = (latency_next_ + 1) % kLatencySamples;
  }
  return event_of(record, true);
}

int64_t JobBook::backoff_ms(int32_t attempts_done) {
  const int shift = std::min(attempts_done - 1, 20);
  const int64_t ceiling = std::min(policy_.retry_max_ms, policy_.retry_base_ms << shift);
  // "Equal jitter": half the backoff fixed, half random, so retries of a burst spread out
  // while every retry still waits at least half its backoff.
  std::uniform_int_distribution<int64_t> jitter(0, ceiling / 2);
  return ceiling - ceiling / 2 + jitter(random_);
}

}  // namespace codearena::actors
