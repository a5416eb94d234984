#include "cluster/memory_job_store.h"

#include <stdexcept>

#include "cluster/errors.h"

namespace codearena::cluster {

MemoryJobStore::MemoryJobStore(std::chrono::milliseconds retention) : retention_(retention) {}

void MemoryJobStore::write(int64_t epoch, const std::vector<actors::StoredJob>& batch) {
  if (batch.empty()) return;
  for (const auto& record : batch) {
    if (record.status.id.empty()) throw std::invalid_argument("job record without an id");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (epoch < seen_epoch_) {
    ++counters_.fenced_writes;
    throw FencedError(epoch, seen_epoch_);
  }
  seen_epoch_ = epoch;
  const auto now = Clock::now();
  forget_expired(now);
  for (const auto& record : batch) {
    Entry& entry = jobs_[record.status.id];
    entry.record.status = record.status;
    if (record.spec) entry.record.spec = record.spec;
    entry.expires_at.reset();
    if (actors::is_final(record.status.state)) {
      entry.expires_at = now + retention_;
      expiry_queue_.emplace_back(*entry.expires_at, record.status.id);
    }
  }
  ++counters_.write_batches;
  counters_.jobs_written += static_cast<int64_t>(batch.size());
}

std::optional<actors::JobStatus> MemoryJobStore::read_status(const std::string& job_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counters_.status_reads;
  forget_expired(Clock::now());
  const auto found = jobs_.find(job_id);
  if (found == jobs_.end()) return std::nullopt;
  return found->second.record.status;
}

std::vector<actors::StoredJob> MemoryJobStore::load_unfinished() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counters_.unfinished_loads;
  std::vector<actors::StoredJob> unfinished;
  for (const auto& [id, entry] : jobs_) {
    if (!actors::is_final(entry.record.status.state)) unfinished.push_back(entry.record);
  }
  return unfinished;
}

StoreCounters MemoryJobStore::counters() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counters_;
}

void MemoryJobStore::forget_expired(Clock::time_point now) {
  while (!expiry_queue_.empty() && expiry_queue_.front().first <= now) {
    const auto& [deadline, id] = expiry_queue_.front();
    const auto found = jobs_.find(id);
    if (found != jobs_.end() && found->second.expires_at == deadline) jobs_.erase(found);
    expiry_queue_.pop_front();
  }
}

}  // namespace codearena::cluster
