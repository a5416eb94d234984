// Fuzz target: the engine <-> box keeper message decoder (wire::Reader) over any bytes, read in
// an order the input chooses. Its first byte says how many reads (0-15) and the next bytes
// which ones (type, u64, str, strs); the rest is the message. Malformed messages must end in
// SandboxError; any other exception or a crash is a bug.
#include <algorithm>
#include <cstdint>
#include <string>

#include "sandbox/errors.h"
#include "sandbox/wire.h"

namespace sb = codearena::sandbox;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t reads = std::min<size_t>(data[0] % 16, size - 1);
  const std::string body(reinterpret_cast<const char*>(data) + 1 + reads, size - 1 - reads);
  sb::wire::Reader reader(body);
  try {
    for (size_t i = 0; i < reads; ++i) {
      switch (data[1 + i] % 4) {
        case 0:
          reader.type();
          break;
        case 1:
          reader.u64();
          break;
        case 2:
          reader.str();
          break;
        default:
          reader.strs();
          break;
      }
    }
  } catch (const sb::SandboxError&) {
  }
  return 0;
}
