// Follows the requests arriving on one connection, byte by byte as they are read and before the
// HTTP server parses them, to answer at once what the server would answer late or not at all:
// a body announced larger than the limit (413, before it is read), a client waiting for
// "100 Continue" before sending its body, and bytes that are not HTTP (400 instead of a dropped
// connection), and header lines a proxy may read otherwise (whitespace before the colon, folded
// lines: 400). Pipelined requests keep their order: a refused request's answer waits for those
// of the requests before it. Not thread-safe: one per connection, fed in the order bytes arrive.
#pragma once

#include <http_parser.h>

#include <cstdint>
#include <string>

namespace codearena::http {

// A whole HTTP/1.1 answer with an error body that closes the connection ("413 Payload Too
// Large", "payload_too_large", a sentence), for the answers written outside RESTinio.
// `extra_headers` are header lines, each ending in CRLF.
std::string closing_answer(const char* status_line, const std::string& code,
                           const std::string& message, const std::string& extra_headers = "");

class RequestWatch {
 public:
  // What to write to the client before the server reads on, and whether the connection must
  // then be closed (nothing more is read).
  struct Reply {
    std::string bytes;
    bool close = false;
  };

  explicit RequestWatch(uint64_t max_body_bytes);
  RequestWatch(const RequestWatch&) = delete;
  RequestWatch& operator=(const RequestWatch&) = delete;
  RequestWatch(RequestWatch&& other) noexcept;
  RequestWatch& operator=(RequestWatch&& other) noexcept;

  // Feeds the next `size` bytes read from the connection and returns how many of them to hand
  // on to the server: all of them, unless a request among them is refused; then only those of
  // the requests before it (maybe none), and the refusal is due().
  size_t feed(const char* data, size_t size);

  // What to write before the server reads again. The server reads only once every request
  // handed on has its answer, so this keeps pipelined answers in order: "100 Continue" when the
  // request being read waits for it, else the refusal of the next request (close). After a
  // close, every later call returns close again.
  Reply due();

 private:
  static http_parser_settings settings();
  void start_message();
  // Returns false, with the 400 refusal set, when the header line just read is one a proxy may
  // read otherwise: whitespace in its name, or folded onto the line before.
  bool end_header_line();
  // True when the value starting at `at` follows a line break and blanks: a folded line.
  bool folded(const char* at) const;
  void refuse(std::string answer);
  void refuse_malformed(const std::string& why);

  uint64_t max_body_bytes_;
  http_parser parser_{};
  std::string field_, value_;  // The header line being read.
  bool reading_value_ = false;
  bool folded_ = false;           // A line of the current header folded onto the one before.
  const char* buffer_ = nullptr;  // The bytes of the current feed().
  char last_non_blank_ = '\n';    // Of the feeds before: the last byte that is no space or tab.
  bool expects_continue_ = false;
  bool continue_due_ = false;  // The head asked for 100 Continue and its body is not all read.
  uint64_t body_bytes_ = 0;
  std::string refusal_;  // The answer refusing a request; the connection closes after it.
};

}  // namespace codearena::http
