#include "http/callback_check.h"

#include "http/api_error.h"
#include "webhooks/callback_url.h"
#include "webhooks/destination.h"

namespace codearena::http {

void check_callback_destination(const std::string& url, const webhooks::AddressPolicy& policy) {
  if (url.empty()) return;
  const auto refusal = webhooks::destination_refusal(webhooks::parse_callback_url(url), policy);
  if (refusal.empty()) return;
  throw ApiError(400, "callback_not_allowed",
                 "'callbackUrl': " + webhooks::redacted_url(url) + " can never receive the " +
                     "webhook: " + refusal +
                     " (the server refuses such destinations; WEBHOOK_ALLOW_PRIVATE lifts this "
                     "for private and loopback addresses)");
}

}  // namespace codearena::http
