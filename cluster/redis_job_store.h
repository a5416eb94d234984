// The cluster's job store: jobs in Redis, one hash per job (see docs/cluster.md for the keys).
//
// A batch write is one EVALSHA of a Lua script that checks the epoch and applies every record
// atomically: the fencing check and the writes cannot interleave with another leader's. The
// epoch key is the one RedisLeaderLease increments, so a leader is fenced as soon as another
// node has acquired the lease, even before that node writes anything.
// Not thread-safe: one instance per thread. Network failures throw StoreUnavailableError and
// the next call reconnects; see JobStore for the rest of the contract.
#pragma once

#include <chrono>

#include "cluster/job_store.h"
#include "cluster/redis_connection.h"

namespace codearena::cluster {

class RedisJobStore : public JobStore {
 public:
  // Connects at once (throws StoreUnavailableError, or std::invalid_argument for a bad URL).
  // Finished jobs' keys expire `retention` after the write that finished them. Of each test's
  // stdout and stderr a stored status keeps at most `kept_output_bytes` (flagged when cut).
  explicit RedisJobStore(const RedisOptions& options,
                         std::chrono::milliseconds retention = std::chrono::hours(1),
                         size_t kept_output_bytes = actors::kDefaultKeptOutputBytes);

  void write(int64_t epoch, const std::vector<JobRecord>& batch) override;
  std::optional<actors::JobStatus> read_status(const std::string& job_id) override;
  std::vector<JobRecord> load_unfinished() override;
  StoreCounters counters() const override;

 private:
  const RedisKeys keys_;
  const std::chrono::milliseconds retention_;
  const size_t kept_output_bytes_;
  RedisConnection connection_;
  StoreCounters counters_;
};

}  // namespace codearena::cluster
