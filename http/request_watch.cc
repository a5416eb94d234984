#include "http/request_watch.h"

#include <strings.h>

#include <climits>

#include "common/json_text.h"
#include "http/job_json.h"

namespace codearena::http {
namespace {

RequestWatch& watch_of(http_parser* parser) {
  return *static_cast<RequestWatch*>(parser->data);
}

}  // namespace

std::string closing_answer(const char* status_line, const std::string& code,
                           const std::string& message, const std::string& extra_headers) {
  const auto body = common::lossy_json_text(error_json(code, message));
  return std::string("HTTP/1.1 ") + status_line +
         "\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
         "X-Content-Type-Options: nosniff\r\n" +
         extra_headers + "Connection: close\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

RequestWatch::RequestWatch(uint64_t max_body_bytes) : max_body_bytes_(max_body_bytes) {
  http_parser_init(&parser_, HTTP_REQUEST);
}

RequestWatch::RequestWatch(RequestWatch&& other) noexcept = default;
RequestWatch& RequestWatch::operator=(RequestWatch&& other) noexcept = default;

http_parser_settings RequestWatch::settings() {
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_message_begin = [](http_parser* parser) {
    watch_of(parser).start_message();
    return 0;
  };
  settings.on_header_field = [](http_parser* parser, const char* at, size_t length) {
    auto& watch = watch_of(parser);
    if (watch.reading_value_ && !watch.end_header_line()) return -1;
    watch.field_.append(at, length);
    return 0;
  };
  settings.on_header_value = [](http_parser* parser, const char* at, size_t length) {
    auto& watch = watch_of(parser);
    watch.folded_ = watch.folded_ || watch.folded(at);
    watch.reading_value_ = true;
    watch.value_.append(at, length);
    return 0;
  };
  settings.on_headers_complete = [](http_parser* parser) {
    auto& watch = watch_of(parser);
    if (watch.reading_value_ && !watch.end_header_line()) return -1;
    const uint64_t announced = parser->content_length;
    if (announced != ULLONG_MAX && announced > watch.max_body_bytes_) {
      watch.refuse(closing_answer("413 Payload Too Large", "payload_too_large",
                                  "the request body is " + std::to_string(announced) +
                                      " bytes; the maximum is " +
                                      std::to_string(watch.max_body_bytes_)));
      return -1;  // Stops the parser: nothing after this head is read.
    }
    const bool has_body =
        (parser->flags & F_CHUNKED) != 0 || (announced != ULLONG_MAX && announced > 0);
    watch.continue_due_ = watch.expects_continue_ && has_body;
    return 0;
  };
  settings.on_body = [](http_parser* parser, const char*, size_t length) {
    auto& watch = watch_of(parser);
    watch.body_bytes_ += length;
    if (watch.body_bytes_ <= watch.max_body_bytes_) return 0;
    watch.refuse(closing_answer("413 Payload Too Large", "payload_too_large",
                                "the request body is over the maximum of " +
                                    std::to_string(watch.max_body_bytes_) + " bytes"));
    return -1;
  };
  // Pauses at each request's end, so that feed() knows where the requests before a refused one
  // end, and reads the next with a new parser, as RESTinio does: past an Upgrade or CONNECT
  // request and after Connection: close, or requests it skipped would escape the watch while
  // RESTinio reads them.
  settings.on_message_complete = [](http_parser* parser) {
    watch_of(parser).continue_due_ = false;
    http_parser_pause(parser, 1);
    return 0;
  };
  return settings;
}

void RequestWatch::start_message() {
  field_.clear();
  value_.clear();
  reading_value_ = false;
  folded_ = false;
  expects_continue_ = false;
  continue_due_ = false;
  body_bytes_ = 0;
}

bool RequestWatch::end_header_line() {
  // The lenient parser takes spaces and tabs for letters of a name ("Transfer-Encoding :").
  if (field_.find_first_of(" \t") != std::string::npos) {
    refuse_malformed("whitespace in the header name '" + field_.substr(0, 100) + "'");
    return false;
  }
  if (folded_) {
    refuse_malformed("the header " + field_.substr(0, 100) + " is folded over several lines");
    return false;
  }
  if (strcasecmp(field_.c_str(), "expect") == 0 && strcasecmp(value_.c_str(), "100-continue") == 0)
    expects_continue_ = true;
  field_.clear();
  value_.clear();
  reading_value_ = false;
  return true;
}

bool RequestWatch::folded(const char* at) const {
  const char* before = at;
  while (before != buffer_ && (before[-1] == ' ' || before[-1] == '\t')) --before;
  return (before == buffer_ ? last_non_blank_ : before[-1]) == '\n';
}

void RequestWatch::refuse_malformed(const std::string& why) {
  refuse(closing_answer("400 Bad Request", "malformed_request",
                        "the request is not valid HTTP/1.1: " + why));
}

void RequestWatch::refuse(std::string answer) {
  if (refusal_.empty()) refusal_ = std::move(answer);
}

size_t RequestWatch::feed(const char* data, size_t size) {
  if (!refusal_.empty()) return 0;
  static const http_parser_settings parser_settings = settings();
  buffer_ = data;
  size_t complete = 0;  // Where the last request complete in these bytes ends.
  size_t offset = 0;
  while (offset < size) {
    parser_.data = this;
    const size_t parsed =
        http_parser_execute(&parser_, &parser_settings, data + offset, size - offset);
    offset += parsed;
    const auto error = HTTP_PARSER_ERRNO(&parser_);
    if (error == HPE_OK && parsed == 0) break;  // Nothing more it reads: hand the bytes on.
    if (error == HPE_PAUSED) {
      http_parser_init(&parser_, HTTP_REQUEST);
      complete = offset;
    } else if (error != HPE_OK) {
      refuse_malformed(http_errno_description(error));
      return complete;
    }
  }
  for (size_t i = size; i > 0; --i) {
    if (data[i - 1] != ' ' && data[i - 1] != '\t') {
      last_non_blank_ = data[i - 1];
      break;
    }
  }
  return size;
}

RequestWatch::Reply RequestWatch::due() {
  if (!refusal_.empty()) return {refusal_, true};
  if (!continue_due_) return {};
  continue_due_ = false;
  return {"HTTP/1.1 100 Continue\r\n\r\n", false};
}

}  // namespace codearena::http
