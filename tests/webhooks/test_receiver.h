// A tiny HTTP/1.1 server on 127.0.0.1 for the webhook tests: it records every request and
// answers each with the next scripted reply (the last one repeats), or never answers at all.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace codearena::webhooks::testing {

struct Reply {
  int status = 200;
  int retry_after_seconds = 0;  // Sent as Retry-After when positive.
};

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // Names in lowercase.
  std::string body;
};

class TestReceiver {
 public:
  // Listens on 127.0.0.1 on a free port; an empty script means "never answer".
  explicit TestReceiver(std::vector<Reply> script = {Reply{}});
  ~TestReceiver();
  TestReceiver(const TestReceiver&) = delete;
  TestReceiver& operator=(const TestReceiver&) = delete;

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/hook") const;
  std::vector<ReceivedRequest> requests() const;
  // Waits until `count` requests have arrived; false when the timeout passes first.
  bool wait_for_requests(size_t count,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;

 private:
  void serve();
  void answer(int client);

  const std::vector<Reply> script_;
  int listener_ = -1;
  int wake_pipe_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::vector<int> held_connections_;  // Accepted and never answered.
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<ReceivedRequest> requests_;
  std::thread thread_;
};

// A loopback port nothing listens on (bound, read and released), for connection failures.
uint16_t closed_port();

}  // namespace codearena::webhooks::testing
