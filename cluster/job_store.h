// The job store: where the scheduler persists every job transition before acknowledging it,
// where API nodes read a job's status, and where a new leader finds the jobs still to finish.
//
// Two implementations behind one interface: MemoryJobStore (the embedded single-process
// default) and RedisJobStore (the cluster). Every write carries the writer's leader epoch (its
// fencing token, from LeaderLease): a store that has seen a newer epoch refuses the whole batch
// with FencedError and changes nothing, so a deposed or paused leader never overwrites newer
// state. Finished jobs (completed, failed, cancelled) expire after the store's retention time.
//
// Calls block until the store has answered. An implementation is used by one thread at a time
// (the scheduler's detached actor) unless it says otherwise; errors come back as the
// exceptions of cluster/errors.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/job_types.h"

namespace codearena::cluster {

// What the store has done since it was made, for benchmarks ("Redis commands per job") and
// metrics. `commands` and `round_trips` count what went to Redis (zero for the memory store).
struct StoreCounters {
  int64_t write_batches = 0;
  int64_t jobs_written = 0;
  int64_t status_reads = 0;
  int64_t unfinished_loads = 0;
  int64_t fenced_writes = 0;
  int64_t commands = 0;
  int64_t round_trips = 0;
  int64_t connects = 0;
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Persists a batch as the holder of leader epoch `epoch`, atomically and in one round trip:
  // either every record is stored or, when the store has seen a newer epoch, none is and
  // FencedError is thrown. A record with a final state starts its retention countdown.
  // An empty batch does nothing; a record without an id throws std::invalid_argument.
  virtual void write(int64_t epoch, const std::vector<actors::StoredJob>& batch) = 0;

  // The job's last written status; nullopt for an unknown or expired job.
  virtual std::optional<actors::JobStatus> read_status(const std::string& job_id) = 0;

  // Every job whose last written state is not final, with its spec, in no particular order.
  virtual std::vector<actors::StoredJob> load_unfinished() = 0;

  virtual StoreCounters counters() const = 0;
};

}  // namespace codearena::cluster
