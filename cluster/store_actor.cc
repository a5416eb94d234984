#include "cluster/store_actor.h"

#include <thread>

#include <caf/all.hpp>

#include "actors/counted_actor.h"
#include "cluster/errors.h"

namespace codearena::cluster {
namespace {

using actors::JobStatus;
using actors::StoredJob;

// Runs `call` until it does not throw StoreUnavailableError or the patience is spent (then
// rethrows).
template <class Call>
auto with_patience(const StoreActorConfig& config, Call call) -> decltype(call()) {
  const auto give_up_at = std::chrono::steady_clock::now() + config.patience;
  while (true) {
    try {
      return call();
    } catch (const StoreUnavailableError& error) {
      if (config.on_unavailable) config.on_unavailable(error.what());
      if (std::chrono::steady_clock::now() + config.retry_interval > give_up_at) throw;
      std::this_thread::sleep_for(config.retry_interval);
    }
  }
}

caf::error store_failure(const std::exception& error) {
  return caf::make_error(caf::sec::runtime_error, std::string("job store: ") + error.what());
}

// What `codearena inspect actors` shows of the store: its writes and the last one's latency.
struct StoreVitals {
  int64_t batches = 0;
  int64_t last_write_us = -1;
};

// Times one write into `vitals`, however it ends.
class WriteTimer {
 public:
  explicit WriteTimer(StoreVitals& vitals) : vitals_(vitals) {}
  ~WriteTimer() {
    ++vitals_.batches;
    vitals_.last_write_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - start_)
                                .count();
  }

 private:
  StoreVitals& vitals_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

actors::store_actor::behavior_type store_behavior(actors::counted_pointer<actors::store_actor> self,
                                                  std::shared_ptr<JobStore> store,
                                                  StoreActorConfig config) {
  auto vitals = std::make_shared<StoreVitals>();
  return {
      [=](actors::local<actors::inspect_atom>) {
        // The mailbox holds the writes waiting behind the one under way.
        return actors::describe(self, "store", config.blocking ? "store (own thread)" : "store",
                                std::to_string(vitals->batches) + " batches written; last write " +
                                    std::to_string(vitals->last_write_us) + " us");
      },
      [=](actors::write_atom, int64_t epoch,
          const std::vector<StoredJob>& jobs) -> caf::result<bool> {
        const WriteTimer timer(*vitals);
        try {
          with_patience(config, [&] {
            if (config.lost_below && epoch < config.lost_below->load())
              throw FencedError(epoch, config.lost_below->load());
            const auto start = std::chrono::steady_clock::now();
            store->write(epoch, jobs);
            if (config.on_written) config.on_written(std::chrono::steady_clock::now() - start);
          });
          return true;
        } catch (const FencedError&) {
          return false;
        } catch (const std::exception& error) {
          return store_failure(error);
        }
      },
      [=](actors::load_atom) -> caf::result<std::vector<StoredJob>> {
        try {
          return with_patience(config, [&] { return store->load_unfinished(); });
        } catch (const std::exception& error) {
          return store_failure(error);
        }
      },
      [=](actors::read_atom, const std::string& id) -> caf::result<JobStatus> {
        try {
          return store->read_status(id).value_or(JobStatus{});
        } catch (const std::exception& error) {
          return store_failure(error);
        }
      },
  };
}

}  // namespace

actors::store_actor spawn_store_actor(caf::actor_system& system, std::unique_ptr<JobStore> store,
                                      StoreActorConfig config) {
  std::shared_ptr<JobStore> shared = std::move(store);
  if (config.blocking) return system.spawn<caf::detached>(store_behavior, shared, config);
  return system.spawn(store_behavior, shared, config);
}

}  // namespace codearena::cluster
