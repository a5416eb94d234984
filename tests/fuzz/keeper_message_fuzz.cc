// Fuzz target: the engine's decoders of box keeper messages (keeper_protocol.h) over any bytes,
// as a keeper taken over could send them. A message must be refused with ProtocolError or
// decoded; a decoded one must encode back to the same bytes (nothing was read loosely). Any
// other exception, a mismatch or a crash is a bug.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "sandbox/keeper_protocol.h"

namespace sb = codearena::sandbox;
namespace keeper = sb::keeper;

namespace {

template <typename Decode>
void expect_round_trip(const std::string& body, Decode decode) {
  sb::wire::Reader reader(body);
  const auto decoded = decode(reader);
  if (keeper::encode(decoded) != body) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  try {
    switch (keeper::keeper_message_type(body)) {
      case sb::wire::Type::kStarted:
        expect_round_trip(body, keeper::decode_started);
        break;
      case sb::wire::Type::kExited:
        expect_round_trip(body, keeper::decode_exited);
        break;
      case sb::wire::Type::kFailed:
        expect_round_trip(body, keeper::decode_failed);
        break;
      default:
        break;
    }
  } catch (const keeper::ProtocolError&) {
  }
  return 0;
}
