// The latest status of every job the scheduler holds, readable from any thread without a
// message round trip: the read side of the job state, written only by the scheduler.
//
// Status queries are the hottest path of the API (clients poll); answering them from here
// costs a shared lock and a map lookup instead of two thread hand-offs through actors. A
// reader sees a status the scheduler has published (the same one events carry), never a
// half-written one: entries are immutable and replaced whole. Thread-safe.
#pragma once

#include <array>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "actors/job_types.h"

namespace codearena::actors {

class StatusBoard {
 public:
  // Inserts or replaces the job's entry with `status`, shared, not copied (the scheduler's job
  // book holds the same one).
  void publish(std::shared_ptr<const JobStatus> status);
  void forget(const std::string& id);
  // Forgets every job (the node stopped leading).
  void clear();
  // Null when the job is unknown or forgotten.
  std::shared_ptr<const JobStatus> find(const std::string& id) const;

 private:
  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, std::shared_ptr<const JobStatus>> jobs;
  };
  Shard& shard_of(const std::string& id) const;

  // Sharded so that the scheduler's writes and many readers rarely wait for each other.
  mutable std::array<Shard, 16> shards_;
};

}  // namespace codearena::actors
