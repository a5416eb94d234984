// Errors of the cluster persistence layer (job store and leader lease).
//
// StoreError is the base. StoreUnavailableError means Redis could not be reached or the
// connection broke during the call: the connection is dropped, the next call reconnects, and
// the caller retries (every write is idempotent, so repeating one that did land is harmless).
// FencedError means a write was refused because the store has seen a newer leader epoch: the
// caller is no longer the leader and must stop writing; retrying cannot succeed.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace codearena::cluster {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StoreUnavailableError : public StoreError {
 public:
  using StoreError::StoreError;
};

class FencedError : public StoreError {
 public:
  FencedError(int64_t writer_epoch, int64_t seen_epoch);
  int64_t writer_epoch() const { return writer_epoch_; }
  int64_t seen_epoch() const { return seen_epoch_; }

 private:
  int64_t writer_epoch_;
  int64_t seen_epoch_;
};

}  // namespace codearena::cluster
