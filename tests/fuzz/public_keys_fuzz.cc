// Fuzz target: parse_public_keys (http/public_keys.h) over any JWT_PUBLIC_KEY_FILE text, PEM or
// JWKS. It must give keys or throw std::invalid_argument; every key given must be PEM that
// parses back as one key of the same kind. Any other exception, a mismatch or a crash is a bug.
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "http/public_keys.h"

namespace http = codearena::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<http::PublicKey> keys;
  try {
    keys = http::parse_public_keys(text);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  if (keys.empty()) std::abort();
  for (const auto& key : keys) {
    const auto again = http::parse_public_keys(key.pem);
    if (again.size() != 1 || again[0].kind != key.kind) std::abort();
  }
  return 0;
}
