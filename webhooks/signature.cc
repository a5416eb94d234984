#include "webhooks/signature.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace codearena::webhooks {

std::string webhook_signature(const std::string& secret, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest,
           &digest_length) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string signature = "sha256=";
  for (unsigned int i = 0; i < digest_length; ++i) {
    signature += kHex[digest[i] >> 4];
    signature += kHex[digest[i] & 0x0f];
  }
  return signature;
}

}  // namespace codearena::webhooks
