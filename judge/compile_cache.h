// A bounded, in-memory cache of compiled programs.
//
// Keyed by a SHA-256 of everything that decides a compilation's result: language, toolchain
// version, the expanded compile command, the source file name and the source. Entries are
// evicted least-recently-used beyond a byte budget. Artifacts live in the engine's memory and
// are copied into each box, so nothing a program does can change the cached copy.
// Thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace codearena::judge {

// What a successful compilation left for the runs.
struct CompiledProgram {
  std::map<std::string, std::string> artifacts;  // File name in /box -> content.
  std::string compiler_output;                   // Warnings, kept for the job result.
  int64_t bytes() const;
};

class CompileCache {
 public:
  explicit CompileCache(int64_t max_bytes = 256LL << 20) : max_bytes_(max_bytes) {}

  // Hex SHA-256 of the parts, each length-prefixed so that no two lists collide.
  static std::string key(const std::vector<std::string>& parts);
  // A whole command as one key part.
  static std::string command_key_part(const std::vector<std::string>& command);

  std::shared_ptr<const CompiledProgram> find(const std::string& key);
  // Stores a program (replacing any under the same key); one larger than the budget is not kept.
  void put(const std::string& key, CompiledProgram program);

  struct Stats {
    int64_t hits = 0;
    int64_t misses = 0;
    int64_t entries = 0;
    int64_t bytes = 0;
  };
  Stats stats() const;

 private:
  using Entry = std::pair<std::string, std::shared_ptr<const CompiledProgram>>;
  void evict_over_budget();

  const int64_t max_bytes_;
  mutable std::mutex mutex_;
  std::list<Entry> recency_;  // Most recent first.
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  int64_t bytes_ = 0;
  int64_t hits_ = 0;
  int64_t misses_ = 0;
};

}  // namespace codearena::judge
