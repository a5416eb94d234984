// Waiting times between delivery attempts: exponential backoff with full jitter, so that many
// deliveries failing together (a receiver restarting) do not retry in lockstep.
#pragma once

#include <chrono>
#include <random>

namespace codearena::webhooks {

// The longest wait before retry number `retry` (1 for the first retry): first doubled for each
// earlier retry, never more than longest.
std::chrono::milliseconds backoff_ceiling(int retry, std::chrono::milliseconds first,
                                          std::chrono::milliseconds longest);

// A wait drawn uniformly from [0, backoff_ceiling(retry, first, longest)].
std::chrono::milliseconds jittered_backoff(int retry, std::chrono::milliseconds first,
                                           std::chrono::milliseconds longest,
                                           std::mt19937_64& random);

}  // namespace codearena::webhooks
