// The embedded job store: jobs in this process's memory, lost when it exits.
//
// Follows the JobStore contract exactly (fencing by epoch, retention of finished jobs), so
// the scheduler behaves the same with or without Redis. Thread-safe: in the embedded mode the
// scheduler writes while API handlers read statuses from other threads.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "cluster/job_store.h"

namespace codearena::cluster {

class MemoryJobStore : public JobStore {
 public:
  // Finished jobs are forgotten `retention` after the write that finished them.
  explicit MemoryJobStore(std::chrono::milliseconds retention = std::chrono::hours(1));

  void write(int64_t epoch, const std::vector<actors::StoredJob>& batch) override;
  std::optional<actors::JobStatus> read_status(const std::string& job_id) override;
  std::vector<actors::StoredJob> load_unfinished() override;
  StoreCounters counters() const override;

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    actors::StoredJob record;
    std::optional<Clock::time_point> expires_at;  // Set once the job is final.
  };
  // Drops the jobs whose retention has passed; the caller holds the mutex.
  void forget_expired(Clock::time_point now);

  const std::chrono::milliseconds retention_;
  mutable std::mutex mutex_;
  int64_t seen_epoch_ = 0;
  std::unordered_map<std::string, Entry> jobs_;
  // Job ids in the order they became final; the retention is fixed, so this is also the order
  // in which they expire. An id rewritten since then carries a later deadline in `jobs_`.
  std::deque<std::pair<Clock::time_point, std::string>> expiry_queue_;
  StoreCounters counters_;
};

}  // namespace codearena::cluster
