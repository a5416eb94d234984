// Settings of webhook delivery, with the defaults a service can start from.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "webhooks/address_policy.h"

namespace codearena::webhooks {

struct WebhookConfig {
  int max_attempts = 5;                             // Including the first one.
  std::chrono::milliseconds first_backoff{500};     // Longest wait before the first retry.
  std::chrono::milliseconds max_backoff{30'000};    // Cap of the doubling waits.
  std::chrono::milliseconds connect_timeout{3000};  // TCP and TLS handshake.
  std::chrono::milliseconds timeout{5000};          // Whole request, connection included.
  size_t queue_capacity = 10'000;                   // Deliveries accepted and not yet finished.
  size_t queue_capacity_bytes = size_t{64} << 20;   // Their bodies together.
  int threads = 2;             // Each runs one request at a time; retries wait in the queue.
  std::string secret;          // Signs bodies (X-CodeArena-Signature) when not empty.
  AddressPolicy destinations;  // Default: public addresses only.
  std::chrono::milliseconds shutdown_grace{5000};  // What the destructor gives pending work.
};

}  // namespace codearena::webhooks
