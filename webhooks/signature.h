// Signing of webhook bodies, so receivers can tell CodeArena's deliveries from forgeries.
//
// A receiver recomputes HMAC-SHA256 over the raw request body with the shared secret and
// compares it (in constant time) with the X-CodeArena-Signature header. Pure, thread-safe.
#pragma once

#include <string>

namespace codearena::webhooks {

// "sha256=" followed by the lowercase hex HMAC-SHA256 of body keyed with secret.
std::string webhook_signature(const std::string& secret, const std::string& body);

}  // namespace codearena::webhooks
