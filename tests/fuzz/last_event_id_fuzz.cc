// Fuzz target: parse_last_event_id (http/event_stream.h) over any Last-Event-ID header value,
// up to past the 80 KiB a request head may hold. A crash (a stack overflow, say) is a bug; so
// is an id read as known that is not written back the same by the event ids the server gives.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "actors/job_types.h"
#include "http/event_stream.h"

namespace http = codearena::http;
namespace actors = codearena::actors;

namespace {

// The id the server gives for what `last` says was received last.
std::string id_of(const http::LastEvent& last, const std::string& state) {
  const auto head = "a" + std::to_string(last.attempt) + "-";
  return last.test_index >= 0 ? head + "t" + std::to_string(last.test_index) : head + state;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string header(reinterpret_cast<const char*>(data), size);
  const auto last = http::parse_last_event_id(header);
  if (!last.known) return 0;
  if (last.attempt < 0 || last.test_index < -1) std::abort();
  const auto dash = header.find('-');
  const auto again = http::parse_last_event_id(id_of(last, header.substr(dash + 1)));
  if (!again.known || again.attempt != last.attempt || again.test_index != last.test_index ||
      again.final != last.final)
    std::abort();
  return 0;
}
