// The public keys RS* and ES* tokens are verified with, read from JWT_PUBLIC_KEY_FILE: one PEM
// public key, or a JWKS (RFC 7517: {"keys": [...]}) of RSA and EC public keys. Pure functions,
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace codearena::http {

struct PublicKey {
  enum class Kind : unsigned char { kRsa, kEc };
  Kind kind = Kind::kRsa;
  std::string pem;        // SubjectPublicKeyInfo PEM, the form libjwt takes.
  std::string key_id;     // The JWK's "kid"; empty for a PEM file.
  // The one algorithm the key verifies: an EC key's curve's (ES256 for P-256, ...), else the
  // JWK's "alg" when it names one; empty: any RS algorithm.
  std::string algorithm;
};

// The bytes of base64url `text` (RFC 4648 section 5, padding optional); nullopt when malformed.
std::optional<std::string> base64url_decode(std::string text);

// The keys in `text` (a PEM public key or a JWKS). JWKS entries for encryption ("use": "enc")
// are skipped; entries of another "kty" than RSA and EC, with private parts or malformed are
// refused, and so are weak keys (RSA below 2048 bits or with an exponent that is even or 1, EC
// off P-256/384/521) and, with more than one key, keys without a "kid" of their own. Throws
// std::invalid_argument saying what is wrong; never returns an empty list.
std::vector<PublicKey> parse_public_keys(const std::string& text);

}  // namespace codearena::http
