// Fuzz target: RequestWatch (http/request_watch.h), the bytes of a client's connection before
// RESTinio reads them. The first input byte picks a piece length; the rest is fed at once, in
// pieces of that length and byte by byte (inputs up to 4 KiB). A bug is a crash, or pieces
// that change the verdict: a client would then get another verdict by splitting its writes, and
// the watch and RESTinio would no longer read the same requests.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>

#include "http/request_watch.h"

namespace {

using codearena::http::RequestWatch;

constexpr uint64_t kMaxBodyBytes = 1000;

// The verdict on `bytes` arriving in pieces of `piece` bytes: every interim answer written, the
// status line of a refusal (its message may name what was noticed first, which can depend on
// where a piece ends), and whether the connection was closed.
std::pair<std::string, bool> verdict(const std::string& bytes, size_t piece) {
  RequestWatch watch(kMaxBodyBytes);
  std::string written;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    const auto reply = watch.feed(bytes.data() + at, std::min(piece, bytes.size() - at));
    written += reply.bytes;
    if (reply.close)
      return {written.substr(0, written.find("\r\n", written.rfind("HTTP/1.1 4"))), true};
  }
  return {written, false};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (bytes.empty()) return 0;
  const auto whole = verdict(bytes, bytes.size());
  if (verdict(bytes, 1 + data[0] % 64) != whole) std::abort();
  if (bytes.size() <= 4096 && verdict(bytes, 1) != whole) std::abort();
  return 0;
}
