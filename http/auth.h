// Authentication of API requests: JWT bearer tokens verified with libjwt, the scopes they
// grant and whom a job belongs to (docs/api.md, "Authentication").
//
// HS256/384/512 tokens are checked with the shared secret (JWT_SECRET), RS* and ES* tokens with
// the public keys (JWT_PUBLIC_KEY_FILE: a PEM key or a JWKS, chosen by the token's "kid"); an
// algorithm is accepted only when a key of its kind is configured, so "none" and algorithm
// confusion (an HMAC keyed with the public key) are refused before libjwt sees the token. Without
// any key authentication is off: every request acts as an anonymous admin. No RESTinio here;
// everything is const after construction and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "actors/job_types.h"
#include "http/public_keys.h"

namespace codearena::http {

// What a token may do. kAdmin includes the others and reaches every job.
enum class Scope : uint8_t { kSubmit = 1, kRead = 2, kAdmin = 4 };

// The scope's name in tokens: "jobs:submit", "jobs:read", "admin".
const char* scope_name(Scope scope);

struct AuthConfig {
  std::string secret;            // HS* tokens' key; empty: HS* refused.
  std::string public_keys;       // RS*/ES* tokens' keys: PEM or JWKS text; empty: refused.
  std::string issuer;            // Required "iss" when set.
  std::string audience;          // Required in "aud" when set.
  int64_t leeway_s = 30;         // Clock skew allowed on "exp" and "nbf".
  bool protect_metrics = false;  // /metrics needs the admin scope.

  bool enabled() const { return !secret.empty() || !public_keys.empty(); }
};

// Reads the public keys at `path` (a PEM public key, RSA or EC, or a JWKS) and returns the text.
// Throws std::invalid_argument naming the file and the reason when it cannot be read or holds
// no usable key (see parse_public_keys).
std::string read_public_key_file(const std::string& path);

// Whom a request acts for. `subject` is empty when authentication is off.
struct Principal {
  std::string subject;
  uint8_t scopes = 0;

  bool has(Scope scope) const;
  // True when the job owned by `owner` is visible to this principal: its own jobs, or every
  // job for an admin. A job without owner is an admin's only.
  bool may_access(const std::string& owner) const;
};

// Why a token was refused, in words safe to send to its bearer.
class TokenError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TokenVerifier {
 public:
  // Throws std::invalid_argument when `config` has no key or its public keys do not parse.
  explicit TokenVerifier(const AuthConfig& config);
  ~TokenVerifier();
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  // Checks the signature, the algorithm against the configured keys, "exp" (required), "nbf",
  // "iss", "aud" and "sub" (required) at `now_s` (Unix seconds), and returns the subject with
  // the scopes of "scope" (space-separated) or "scp" (space-separated or an array). A token
  // without either has no scope. Throws TokenError.
  Principal verify(const std::string& token, int64_t now_s) const;

 private:
  // The keys that may have signed a token with this header's "alg" and "kid".
  std::vector<const std::string*> keys_for(const std::string& algorithm,
                                           const std::string& key_id) const;

  AuthConfig config_;
  std::vector<PublicKey> public_keys_;
};

// The verdict on one request: go on as `principal`, or answer `status` (401 or 403) with the
// error `code`, `message` and the WWW-Authenticate `challenge`.
struct AuthDecision {
  std::optional<Principal> principal;
  int status = 0;
  std::string code;
  std::string message;
  std::string challenge;
};

class Authenticator {
 public:
  // Authentication is off when `config` has no key. Throws as TokenVerifier does.
  explicit Authenticator(const AuthConfig& config);

  bool enabled() const { return verifier_.has_value(); }

  // Checks the Authorization header's value (nullopt: absent) for a request that needs
  // `needed`, at `now_s` (Unix seconds).
  AuthDecision check(const std::optional<std::string>& authorization, Scope needed,
                     int64_t now_s) const;

 private:
  std::optional<TokenVerifier> verifier_;
};

// The audit record of a submission: subject, client address, language, code size and the
// code's SHA-256 (hex). The caller adds "jobId" once the job is accepted.
nlohmann::json submission_audit(const Principal& principal, const std::string& client,
                                const actors::JobSpec& spec);

}  // namespace codearena::http
