// Fuzz target: TokenVerifier::verify (http/auth.h) over any bearer token, with a shared secret
// and an RSA public key configured. A token must be refused with TokenError or accepted; an
// accepted one must be HS* (no key of the fuzzer's can sign RS*: "none" or algorithm confusion
// got through). Any other exception or a crash is a bug.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/auth.h"

namespace http = codearena::http;

namespace {

// RFC 7517 appendix A.1's RSA key, as a JWKS; its private key is not the fuzzer's.
constexpr const char* kPublicKeys = R"({"keys": [{"kty": "RSA", "kid": "2011-04-29", "e": "AQAB",
  "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}]})";

const http::TokenVerifier& verifier() {
  static const http::TokenVerifier instance([] {
    http::AuthConfig config;
    config.secret = "a fuzzing secret long enough for HS512 tokens as well: 64 bytes+";
    config.public_keys = kPublicKeys;
    config.issuer = "https://issuer.test";
    config.audience = "api";
    return config;
  }());
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string token(reinterpret_cast<const char*>(data), size);
  try {
    verifier().verify(token, 1'800'000'000);
  } catch (const http::TokenError&) {
    return 0;
  }
  // Accepted: only the secret can have signed it, so its header must say HS*.
  const auto header = http::base64url_decode(token.substr(0, token.find('.')));
  if (!header || header->find("\"HS") == std::string::npos) std::abort();
  return 0;
}
