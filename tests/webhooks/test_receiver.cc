#include "tests/webhooks/test_receiver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace codearena::webhooks::testing {
namespace {

constexpr int kReadTimeoutMs = 10'000;

int listening_socket(uint16_t& port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      listen(fd, 64) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("test receiver cannot listen on 127.0.0.1");
  }
  port = ntohs(address.sin_port);
  return fd;
}

// Reads until `done` says the buffer is complete; false on EOF, error or a stalled peer.
template <typename Done>
bool read_until(int fd, std::string& buffer, Done done) {
  char chunk[4096];
  while (!done(buffer)) {
    pollfd readable{fd, POLLIN, 0};
    if (poll(&readable, 1, kReadTimeoutMs) <= 0) return false;
    const ssize_t got = read(fd, chunk, sizeof chunk);
    if (got <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(got));
  }
  return true;
}

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool read_request(int fd, ReceivedRequest& request) {
  std::string buffer;
  if (!read_until(fd, buffer,
                  [](const std::string& b) { return b.find("\r\n\r\n") != std::string::npos; }))
    return false;
  const size_t head_end = buffer.find("\r\n\r\n");
  size_t line_start = 0;
  for (size_t line_end; (line_end = buffer.find("\r\n", line_start)) <= head_end;
       line_start = line_end + 2) {
    const std::string line = buffer.substr(line_start, line_end - line_start);
    if (line_start == 0) {
      request.method = line.substr(0, line.find(' '));
      request.target = line.substr(line.find(' ') + 1, line.rfind(' ') - line.find(' ') - 1);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const size_t value_start = line.find_first_not_of(' ', colon + 1);
    request.headers[lowercase(line.substr(0, colon))] =
        value_start == std::string::npos ? "" : line.substr(value_start);
  }
  const auto length_header = request.headers.find("content-length");
  const size_t body_length =
      length_header == request.headers.end() ? 0 : std::stoul(length_header->second);
  const size_t body_start = head_end + 4;
  if (!read_until(fd, buffer,
                  [&](const std::string& b) { return b.size() >= body_start + body_length; }))
    return false;
  request.body = buffer.substr(body_start, body_length);
  return true;
}

void send_reply(int fd, const Reply& reply) {
  std::string response = "HTTP/1.1 " + std::to_string(reply.status) + " Scripted\r\n";
  if (reply.retry_after_seconds > 0)
    response += "Retry-After: " + std::to_string(reply.retry_after_seconds) + "\r\n";
  response += "Content-Length: 2\r\nConnection: close\r\n\r\nok";
  (void)!write(fd, response.data(), response.size());
}

}  // namespace

TestReceiver::TestReceiver(std::vector<Reply> script) : script_(std::move(script)) {
  listener_ = listening_socket(port_);
  if (pipe2(wake_pipe_, O_CLOEXEC) != 0) throw std::runtime_error("test receiver: pipe failed");
  thread_ = std::thread([this] { serve(); });
}

TestReceiver::~TestReceiver() {
  (void)!write(wake_pipe_[1], "x", 1);
  thread_.join();
  for (int fd : held_connections_) close(fd);
  close(listener_);
  close(wake_pipe_[0]);
  close(wake_pipe_[1]);
}

std::string TestReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<ReceivedRequest> TestReceiver::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

bool TestReceiver::wait_for_requests(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= count; });
}

void TestReceiver::serve() {
  while (true) {
    pollfd watched[2] = {{listener_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (poll(watched, 2, -1) < 0 || watched[1].revents != 0) return;
    const int client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client >= 0) answer(client);
  }
}

void TestReceiver::answer(int client) {
  ReceivedRequest request;
  if (!read_request(client, request)) {
    close(client);
    return;
  }
  size_t index = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(std::move(request));
    index = requests_.size() - 1;
  }
  arrived_.notify_all();
  if (script_.empty()) {
    held_connections_.push_back(client);
    return;
  }
  send_reply(client, script_[std::min(index, script_.size() - 1)]);
  close(client);
}

uint16_t closed_port() {
  uint16_t port = 0;
  close(listening_socket(port));
  return port;
}

}  // namespace codearena::webhooks::testing
