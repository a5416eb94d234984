// Fuzz target: none_match_names (http/conditional.h) over any If-None-Match value, against a
// job's entity tag. A crash is a bug; so is a value that lists the tag first and is not
// matched, or one matched that holds neither the tag nor "*".
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/conditional.h"

namespace http = codearena::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string etag = "\"active-1-3-1-00ff00ff00ff00ff\"";
  const std::string header(reinterpret_cast<const char*>(data), size);
  const bool matched = http::none_match_names(header, etag);
  if (matched && header.find('*') == std::string::npos && header.find(etag) == std::string::npos) {
    std::abort();
  }
  if (!http::none_match_names(etag + "," + header, etag)) std::abort();
  if (!http::none_match_names(" W/" + etag + " ," + header, etag)) std::abort();
  return 0;
}
