// Follows the requests arriving on one connection, byte by byte as they are read and before the
// HTTP server parses them, to answer at once what the server would answer late or not at all:
// a body announced larger than the limit (413, before it is read), a client waiting for
// "100 Continue" before sending its body, and bytes that are not HTTP (400 instead of a dropped
// connection). Not thread-safe: one per connection, fed in the order bytes arrive.
#pragma once

#include <http_parser.h>

#include <cstdint>
#include <string>

namespace codearena::http {

class RequestWatch {
 public:
  // What to write to the client before the bytes are handed on, and whether the connection
  // must then be closed (the bytes are not handed on at all).
  struct Reply {
    std::string bytes;
    bool close = false;
  };

  explicit RequestWatch(uint64_t max_body_bytes);
  RequestWatch(const RequestWatch&) = delete;
  RequestWatch& operator=(const RequestWatch&) = delete;
  RequestWatch(RequestWatch&& other) noexcept;
  RequestWatch& operator=(RequestWatch&& other) noexcept;

  // Feeds the next `size` bytes read from the connection. After a Reply with close, every later
  // call returns close again.
  Reply feed(const char* data, size_t size);

 private:
  static http_parser_settings settings();
  void start_message();
  // Returns false, with the 400 reply set, when the header line just read is one a proxy may read
  // otherwise: whitespace in its name, or folded onto the line before.
  bool end_header_line();
  // True when the value starting at `at` follows a line break and blanks: a folded line.
  bool folded(const char* at) const;
  // Ends the connection with `answer`, written after what this feed() wrote already.
  void refuse(const std::string& answer);
  void refuse_malformed(const std::string& why);

  uint64_t max_body_bytes_;
  http_parser parser_{};
  std::string field_, value_;  // The header line being read.
  bool reading_value_ = false;
  bool folded_ = false;           // A line of the current header folded onto the one before.
  const char* buffer_ = nullptr;  // The bytes of the current feed().
  char last_non_blank_ = '\n';    // Of the feeds before: the last byte that is no space or tab.
  bool expects_continue_ = false;
  uint64_t body_bytes_ = 0;
  Reply reply_;  // Built by the callbacks of the current feed().
};

}  // namespace codearena::http
