#include "actors/status_board.h"

#include <functional>
#include <mutex>

namespace codearena::actors {

StatusBoard::Shard& StatusBoard::shard_of(const std::string& id) const {
  return shards_[std::hash<std::string>{}(id) % shards_.size()];
}

void StatusBoard::publish(std::shared_ptr<const JobStatus> status) {
  Shard& shard = shard_of(status->id);
  std::unique_lock<std::shared_mutex> lock(shard.mutex);
  shard.jobs[status->id] = std::move(status);
}

void StatusBoard::forget(const std::string& id) {
  Shard& shard = shard_of(id);
  std::unique_lock<std::shared_mutex> lock(shard.mutex);
  shard.jobs.erase(id);
}

void StatusBoard::clear() {
  for (Shard& shard : shards_) {
    std::unique_lock<std::shared_mutex> lock(shard.mutex);
    shard.jobs.clear();
  }
}

std::shared_ptr<const JobStatus> StatusBoard::find(const std::string& id) const {
  const Shard& shard = shard_of(id);
  std::shared_lock<std::shared_mutex> lock(shard.mutex);
  const auto found = shard.jobs.find(id);
  return found == shard.jobs.end() ? nullptr : found->second;
}

}  // namespace codearena::actors
