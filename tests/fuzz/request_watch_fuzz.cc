// Fuzz target: RequestWatch (http/request_watch.h), the bytes of a client's connection before
// RESTinio reads them. The first input byte picks a piece length; the rest is fed at once, in
// pieces of that length and byte by byte (inputs up to 4 KiB), each piece after what is due
// was written. A bug is a crash or a hang, more bytes handed on than fed, reading on after a
// refusal, or pieces that change the refusal: a client would then get another verdict by
// splitting its writes. (Whether a 100 Continue is due does depend on the pieces: none is
// needed once the body came along.)
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/request_watch.h"

namespace {

using codearena::http::RequestWatch;

constexpr uint64_t kMaxBodyBytes = 1000;

// The status line of the refusal of `bytes` arriving in pieces of `piece` bytes ("" when none).
std::string refusal(const std::string& bytes, size_t piece) {
  RequestWatch watch(kMaxBodyBytes);
  for (size_t at = 0; at < bytes.size(); at += piece) {
    const auto due = watch.due();
    if (due.close) return due.bytes.substr(0, due.bytes.find("\r\n"));
    const size_t length = std::min(piece, bytes.size() - at);
    const size_t handed = watch.feed(bytes.data() + at, length);
    if (handed > length) std::abort();
    if (handed < length && !watch.due().close) std::abort();
  }
  const auto due = watch.due();
  if (due.close && watch.feed("x", 1) != 0) std::abort();
  return due.close ? due.bytes.substr(0, due.bytes.find("\r\n")) : "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (bytes.empty()) return 0;
  const auto whole = refusal(bytes, bytes.size());
  if (!whole.empty() && whole.rfind("HTTP/1.1 4", 0) != 0) std::abort();
  if (refusal(bytes, 1 + data[0] % 64) != whole) std::abort();
  if (bytes.size() <= 4096 && refusal(bytes, 1) != whole) std::abort();
  return 0;
}
