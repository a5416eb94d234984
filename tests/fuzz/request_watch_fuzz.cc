// Fuzz target: RequestWatch (http/request_watch.h) over any bytes a client sends, cut into
// reads where the input's first bytes say, with a 1000-byte body limit. A crash or a hang is a
// bug; so is handing on more bytes than were read, or reading on after a refusal.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/request_watch.h"

namespace http = codearena::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t read_size = 1 + data[0] % 64;  // How many bytes each read brings.
  http::RequestWatch watch(1000);
  for (size_t offset = 1; offset < size; offset += read_size) {
    const auto due = watch.due();
    if (due.close) {
      if (due.bytes.rfind("HTTP/1.1 4", 0) != 0) std::abort();
      if (watch.feed(reinterpret_cast<const char*>(data + offset), 1) != 0) std::abort();
      return 0;
    }
    const size_t length = std::min(read_size, size - offset);
    if (watch.feed(reinterpret_cast<const char*>(data + offset), length) > length) std::abort();
  }
  return 0;
}
