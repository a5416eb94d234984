// A private redis-server for tests: started on a free 127.0.0.1 port with its own temporary
// directory, stopped and removed when the object goes.
//
// By default nothing is persisted (--save '' --appendonly no). With `append_only` every write
// goes to an AOF in the directory, fsynced as `append_fsync` says: "always" (before the reply,
// so kill_hard() followed by start() tests what survives a crash) or "everysec" (once a second,
// as many production servers run). Failures to start throw std::runtime_error with the server's
// log. Not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace codearena::testing {

class RedisServer {
 public:
  struct Options {
    bool append_only = false;
    std::string append_fsync = "always";  // With append_only: "always" or "everysec".
  };

  explicit RedisServer(Options options);
  RedisServer() : RedisServer(Options{}) {}
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  uint16_t port() const { return port_; }
  // redis://127.0.0.1:<port>
  std::string url() const;
  const std::string& directory() const { return directory_; }
  bool running() const { return pid_ > 0; }

  // SIGKILL, like a crash: no shutdown save, no goodbye to clients.
  void kill_hard();
  // SIGTERM and wait.
  void stop();
  // Starts again on the same port and directory (after kill_hard or stop); waits until it
  // answers PING.
  void start();

 private:
  void spawn();
  bool wait_until_ready();
  void signal_and_wait(int signal_number);
  std::string log_tail() const;

  const Options options_;
  std::string directory_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// A loopback port nothing listens on right now (bound to port 0, read, released).
uint16_t free_loopback_port();

}  // namespace codearena::testing
