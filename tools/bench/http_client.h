// A minimal HTTP/1.1 client for the API benchmarks: one keep-alive TCP connection to a local
// port, one request at a time, raw sockets and no third-party code, so that the client costs
// little CPU beside the server it measures.
//
// It understands what `codearena serve` answers (a Content-Length body, no chunked encoding);
// anything else throws std::runtime_error, as do socket errors. Not thread-safe: give each
// thread its own HttpConnection.
#pragma once

#include <cstdint>
#include <string>

namespace codearena::bench {

struct HttpResponse {
  int status = 0;
  std::string body;
};

class HttpConnection {
 public:
  // Connects lazily, on the first request, to 127.0.0.1:port.
  explicit HttpConnection(uint16_t port) : port_(port) {}
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;
  ~HttpConnection();

  // Sends one request (a JSON body when `body` is not empty) and reads the whole answer. A
  // connection the server closed is reopened once before the request is given up.
  HttpResponse request(const char* method, const std::string& target, const std::string& body = "");

 private:
  void connect_socket();
  void close_socket();
  void send_all(const std::string& data);
  HttpResponse read_response();
  // Appends what the socket has to buffer_; false at end of file.
  bool receive_more();

  uint16_t port_;
  int fd_ = -1;
  std::string buffer_;  // Received bytes not consumed yet.
};

// GET `target` until it answers 200, retrying every 100 ms for up to `timeout_ms`; false if it
// never did.
bool wait_until_answering(uint16_t port, const std::string& target, int64_t timeout_ms);

}  // namespace codearena::bench
