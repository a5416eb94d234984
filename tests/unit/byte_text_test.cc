// Base64 both ways: every byte survives the round trip, and malformed text is refused.
#include <catch2/catch.hpp>
#include <string>

#include "common/byte_text.h"

using codearena::common::base64_decode;
using codearena::common::base64_encode;

TEST_CASE("base64: every byte value and every padding length survive the round trip",
          "[byte_text]") {
  std::string all_bytes;
  for (int byte = 0; byte < 256; ++byte) all_bytes += static_cast<char>(byte);
  for (size_t length : {0, 1, 2, 3, 4, 255, 256}) {
    const std::string bytes = all_bytes.substr(0, length);
    CHECK(base64_decode(base64_encode(bytes)) == bytes);
  }
  CHECK(base64_encode(std::string("\x00\xff", 2)) == "AP8=");
  CHECK(base64_decode("AP8=") == std::string("\x00\xff", 2));
}

TEST_CASE("base64: a length that is not a multiple of 4 or a foreign character is refused",
          "[byte_text]") {
  CHECK_FALSE(base64_decode("AP8").has_value());
  CHECK_FALSE(base64_decode("AP8==").has_value());
  CHECK_FALSE(base64_decode("A*8=").has_value());
  CHECK_FALSE(base64_decode("AP-_").has_value());  // base64url's alphabet, not this one's
}
