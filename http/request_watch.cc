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
    if (watch.reading_value_) watch.end_header_line();
    watch.field_.append(at, length);
    return 0;
  };
  settings.on_header_value = [](http_parser* parser, const char* at, size_t length) {
    auto& watch = watch_of(parser);
    watch.reading_value_ = true;
    watch.value_.append(at, length);
    return 0;
  };
  settings.on_headers_complete = [](http_parser* parser) {
    auto& watch = watch_of(parser);
    if (watch.reading_value_) watch.end_header_line();
    const uint64_t announced = parser->content_length;
    if (announced != ULLONG_MAX && announced > watch.max_body_bytes_) {
      watch.refuse(closing_answer("413 Payload Too Large", "payload_too_large",
                                  "the request body is " + std::to_string(announced) +
                                      " bytes; the maximum is " +
                                      std::to_string(watch.max_body_bytes_)));
      return -1;  // Stops the parser: nothing after this head is read.
    }
    watch.continue_due_ = watch.expects_continue_;
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
  // end.
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
  expects_continue_ = false;
  continue_due_ = false;
  body_bytes_ = 0;
}

void RequestWatch::end_header_line() {
  if (strcasecmp(field_.c_str(), "expect") == 0 && strcasecmp(value_.c_str(), "100-continue") == 0)
    expects_continue_ = true;
  field_.clear();
  value_.clear();
  reading_value_ = false;
}

void RequestWatch::refuse(std::string answer) {
  if (refusal_.empty()) refusal_ = std::move(answer);
}

size_t RequestWatch::feed(const char* data, size_t size) {
  if (!refusal_.empty()) return 0;
  static const http_parser_settings parser_settings = settings();
  parser_.data = this;
  size_t complete = 0;  // Where the last request complete in these bytes ends.
  size_t offset = 0;
  while (offset < size) {
    const size_t parsed =
        http_parser_execute(&parser_, &parser_settings, data + offset, size - offset);
    offset += parsed;
    const auto error = HTTP_PARSER_ERRNO(&parser_);
    if (error == HPE_OK && parsed == 0) break;  // Nothing more it reads (an upgrade): hand on.
    if (error == HPE_PAUSED) {
      http_parser_pause(&parser_, 0);
      complete = offset;
    } else if (error != HPE_OK) {
      refuse(closing_answer(
          "400 Bad Request", "malformed_request",
          std::string("the request is not valid HTTP/1.1: ") + http_errno_description(error)));
      return complete;
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
