// Fuzz target: the body of POST /api/execute turned into a job. Any body must give a job or an
// ApiError (a 4xx answer); any other exception or a crash is a bug.
#include <cstdint>
#include <string>

#include "http/request_parsing.h"
#include "judge/languages.h"

namespace judge = codearena::judge;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto languages =
      judge::LanguageTable::load(judge::default_language_table_path(), false);
  const std::string body(reinterpret_cast<const char*>(data), size);
  try {
    codearena::http::parse_execute_request(body, codearena::http::RequestLimits{}, languages);
  } catch (const codearena::http::ApiError&) {
  }
  return 0;
}
