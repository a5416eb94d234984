#include "cluster/errors.h"

namespace codearena::cluster {

FencedError::FencedError(int64_t writer_epoch, int64_t seen_epoch)
    : StoreError("write fenced: epoch " + std::to_string(writer_epoch) + " is older than epoch " +
                 std::to_string(seen_epoch) + " the store has seen (another node is leader now)"),
      writer_epoch_(writer_epoch),
      seen_epoch_(seen_epoch) {}

}  // namespace codearena::cluster
