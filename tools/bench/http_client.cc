// The benchmarks' HTTP client: see http_client.h.
#include "tools/bench/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <strings.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "tools/bench/measure.h"

namespace codearena::bench {
namespace {

constexpr const char kHeaderEnd[] = "\r\n\r\n";

// The value of header `name` in `head` (the status line and headers), or "" when absent.
std::string header_value(const std::string& head, const char* name) {
  const size_t name_length = std::strlen(name);
  size_t line = head.find("\r\n");
  while (line != std::string::npos && line + 2 < head.size()) {
    const size_t start = line + 2;
    if (::strncasecmp(head.c_str() + start, name, name_length) == 0 &&
        head[start + name_length] == ':') {
      const size_t value = head.find_first_not_of(' ', start + name_length + 1);
      return head.substr(value, head.find("\r\n", value) - value);
    }
    line = head.find("\r\n", start);
  }
  return "";
}

}  // namespace

HttpConnection::~HttpConnection() {
  close_socket();
}

void HttpConnection::connect_socket() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port_);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    close_socket();
    throw std::system_error(error, std::generic_category(),
                            "connect to 127.0.0.1:" + std::to_string(port_));
  }
  // Requests go out in one write; do not let Nagle hold the next one back.
  const int on = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

void HttpConnection::close_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
}

void HttpConnection::send_all(const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "send");
    sent += static_cast<size_t>(n);
  }
}

bool HttpConnection::receive_more() {
  char chunk[16384];
  for (;;) {
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "recv");
    buffer_.append(chunk, static_cast<size_t>(n));
    return n > 0;
  }
}

HttpResponse HttpConnection::read_response() {
  size_t head_end = std::string::npos;
  while ((head_end = buffer_.find(kHeaderEnd)) == std::string::npos) {
    if (!receive_more()) throw std::runtime_error("the server closed the connection");
  }
  const std::string head = buffer_.substr(0, head_end);
  HttpResponse response;
  if (head.compare(0, 5, "HTTP/") != 0 || head.find(' ') == std::string::npos) {
    throw std::runtime_error("not an HTTP answer: " + head.substr(0, 80));
  }
  response.status = std::atoi(head.c_str() + head.find(' ') + 1);
  const std::string length_text = header_value(head, "Content-Length");
  if (length_text.empty()) throw std::runtime_error("an answer without Content-Length");
  const size_t body_start = head_end + std::strlen(kHeaderEnd);
  const size_t body_end = body_start + std::stoul(length_text);
  while (buffer_.size() < body_end) {
    if (!receive_more()) throw std::runtime_error("the server closed the connection mid-body");
  }
  response.body = buffer_.substr(body_start, body_end - body_start);
  buffer_.erase(0, body_end);
  if (::strcasecmp(header_value(head, "Connection").c_str(), "close") == 0) close_socket();
  return response;
}

HttpResponse HttpConnection::request(const char* method, const std::string& target,
                                     const std::string& body) {
  std::string message = std::string(method) + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!body.empty()) {
    message +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  message += "\r\n" + body;
  // A kept-alive connection the server has closed since shows on the first read; reopen once.
  for (int attempt = 0;; ++attempt) {
    const bool reused = fd_ >= 0;
    if (!reused) connect_socket();
    try {
      send_all(message);
      return read_response();
    } catch (const std::exception&) {
      close_socket();
      if (!reused || attempt > 0) throw;
    }
  }
}

bool wait_until_answering(uint16_t port, const std::string& target, int64_t timeout_ms) {
  const int64_t deadline = monotonic_ns() + timeout_ms * 1'000'000;
  while (monotonic_ns() < deadline) {
    try {
      HttpConnection connection(port);
      if (connection.request("GET", target).status == 200) return true;
    } catch (const std::exception&) {
      // Not listening yet.
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace codearena::bench
