// Where a callback URL leads: its host's addresses, the submission-time check against the
// address policy, and the URL as logs may show it.
//
// Thread-safe free functions; resolve_host and destination_refusal block for name resolution.
#pragma once

#include <string>
#include <vector>

#include "webhooks/address_policy.h"
#include "webhooks/callback_url.h"

namespace codearena::webhooks {

// The distinct addresses of `host` (an address literal is its own), or none with `error` set
// to why the name did not resolve.
std::vector<IpAddress> resolve_host(const std::string& host, std::string& error);

// Empty unless the destination can never be delivered to under `policy`, else a sentence
// saying why: an address literal it refuses, or a name every one of whose current addresses it
// refuses. A name that does not resolve now is not refused (it may resolve by delivery time);
// delivery checks the addresses again, since a name's answer may change (DNS rebinding).
std::string destination_refusal(const CallbackUrl& url, const AddressPolicy& policy);

// The URL without its query and credentials (which may carry tokens), for logs and errors:
// "https://host:8443/path?…" keeps the scheme, host, port and path.
std::string redacted_url(const std::string& url);

}  // namespace codearena::webhooks
