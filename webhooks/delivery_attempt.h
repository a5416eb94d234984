// One attempt at delivering a webhook: check the URL, resolve the host, check every address,
// and POST the body to the checked addresses only (libcurl, no redirects, no proxies).
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include "webhooks/webhook_config.h"

namespace codearena::webhooks {

// What the service asked to be delivered.
struct WebhookRequest {
  std::string job_id;
  std::string url;
  std::string body;  // JSON text, sent as it is.
};

enum class AttemptVerdict {
  delivered,  // The receiver answered 2xx.
  retry,      // Connection error, timeout, 429 or 5xx: worth another attempt later.
  give_up,    // Refused destination, bad URL, redirect or another 4xx: retrying cannot help.
  abandoned,  // Interrupted because the sender is shutting down.
};

struct AttemptResult {
  AttemptVerdict verdict = AttemptVerdict::give_up;
  std::string error;                        // Empty when delivered.
  long http_status = 0;                     // 0 when no response came.
  std::chrono::milliseconds retry_after{};  // The receiver's Retry-After, when it sent one.
};

// Runs one attempt on the calling thread: blocks for name resolution and up to config.timeout
// for the request. Returns `abandoned` within about a second once `abandon` becomes true.
// Never throws for network or receiver failures: they come back in the result. Thread-safe.
AttemptResult attempt_delivery(const WebhookRequest& request, const WebhookConfig& config,
                               const std::atomic<bool>& abandon);

// Prepares libcurl for use from several threads; called by the sender before starting them.
void initialize_http_client();

}  // namespace codearena::webhooks
