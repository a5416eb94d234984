// Fuzz target: the body of POST /api/execute turned into a job. Any body must give a job or an
// ApiError (a 4xx answer); any other exception or a crash is a bug. A body that is accepted must
// be refused as unknown_field once a field the API does not define is added to it. A refusal's
// message never shows the JSON parser's internals and never grows with the body.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "http/request_parsing.h"
#include "judge/languages.h"

namespace http = codearena::http;
namespace judge = codearena::judge;

namespace {

const judge::LanguageTable& languages() {
  static const auto table = judge::LanguageTable::load(judge::default_language_table_path(), false);
  return table;
}

// The accepted body (a JSON object) with one more top-level field no request may carry.
std::string with_undefined_field(const std::string& body) {
  const auto opening = body.find('{');
  return body.substr(0, opening + 1) + R"("undefinedField":1,)" + body.substr(opening + 1);
}

void check_undefined_field_refused(const std::string& body) {
  try {
    http::parse_execute_request(with_undefined_field(body), http::RequestLimits{}, languages());
  } catch (const http::ApiError& error) {
    if (error.code() == "unknown_field") return;
    std::fprintf(stderr, "an undefined field gave %s (%s), not unknown_field\n",
                 error.code().c_str(), error.what());
    std::abort();
  }
  std::fprintf(stderr, "an undefined field was accepted\n");
  std::abort();
}

// What a client reads in a refusal: no parser codes or copies of the body ("last read").
void check_message_readable(const http::ApiError& error) {
  const std::string message = error.what();
  if (message.find("json.exception") == std::string::npos &&
      message.find("last read") == std::string::npos && message.size() <= 512) {
    return;
  }
  std::fprintf(stderr, "unreadable %s message: %s\n", error.code().c_str(), message.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  try {
    http::parse_execute_request(body, http::RequestLimits{}, languages());
  } catch (const http::ApiError& error) {
    check_message_readable(error);
    return 0;
  }
  check_undefined_field_refused(body);
  return 0;
}
