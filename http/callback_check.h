// The submission-time check of a job's callbackUrl destination, on top of the URL's syntax
// (checked by parse_execute_request).
#pragma once

#include <string>

#include "webhooks/address_policy.h"

namespace codearena::http {

// Throws ApiError 400 `callback_not_allowed`, naming callbackUrl, when the URL's destination
// can never be delivered to under `policy` (see webhooks::destination_refusal); does nothing for
// an empty URL. Blocks for the host name's resolution. Thread-safe.
void check_callback_destination(const std::string& url, const webhooks::AddressPolicy& policy);

}  // namespace codearena::http
