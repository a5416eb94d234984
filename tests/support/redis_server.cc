#include "tests/support/redis_server.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace codearena::testing {
namespace {

constexpr int kStartAttempts = 3;  // Another process may grab the free port first.
constexpr auto kReadyTimeout = std::chrono::seconds(15);

bool answers_ping(uint16_t port) {
  const timeval timeout{0, 200'000};
  redisContext* context = redisConnectWithTimeout("127.0.0.1", port, timeout);
  if (context == nullptr) return false;
  bool pong = false;
  if (context->err == 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
    pong = reply != nullptr && reply->type == REDIS_REPLY_STATUS &&
           std::string(reply->str, reply->len) == "PONG";
    if (reply != nullptr) freeReplyObject(reply);
  }
  redisFree(context);
  return pong;
}

}  // namespace

uint16_t free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  const bool bound = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
                     getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0;
  close(fd);
  if (!bound) throw std::runtime_error("no free loopback port");
  return ntohs(address.sin_port);
}

RedisServer::RedisServer(Options options) : options_(options) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "codearena-redis-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  directory_ = pattern;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    port_ = free_loopback_port();
    spawn();
    if (wait_until_ready()) return;
    signal_and_wait(SIGKILL);
  }
  const std::string log = log_tail();
  std::filesystem::remove_all(directory_);
  throw std::runtime_error("redis-server did not start: " + log);
}

RedisServer::~RedisServer() {
  if (running()) signal_and_wait(SIGKILL);
  std::error_code ignored;
  std::filesystem::remove_all(directory_, ignored);
}

std::string RedisServer::url() const {
  return "redis://127.0.0.1:" + std::to_string(port_);
}

void RedisServer::kill_hard() {
  signal_and_wait(SIGKILL);
}

void RedisServer::stop() {
  signal_and_wait(SIGTERM);
}

void RedisServer::start() {
  if (running()) return;
  spawn();
  if (!wait_until_ready()) {
    signal_and_wait(SIGKILL);
    throw std::runtime_error("redis-server did not restart: " + log_tail());
  }
}

void RedisServer::spawn() {
  std::vector<std::string> args{"redis-server",
                                "--port",
                                std::to_string(port_),
                                "--bind",
                                "127.0.0.1",
                                "--dir",
                                directory_,
                                "--logfile",
                                directory_ + "/redis.log",
                                "--save",
                                "",
                                "--daemonize",
                                "no"};
  if (options_.append_only) {
    args.insert(args.end(), {"--appendonly", "yes", "--appendfsync", options_.append_fsync});
  } else {
    args.insert(args.end(), {"--appendonly", "no"});
  }
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    execvp(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
}

bool RedisServer::wait_until_ready() {
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (answers_ping(port_)) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;  // Exited: the port was taken, or a bad argument.
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void RedisServer::signal_and_wait(int signal_number) {
  if (!running()) return;
  kill(pid_, signal_number);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string RedisServer::log_tail() const {
  std::ifstream log(directory_ + "/redis.log");
  std::stringstream text;
  text << log.rdbuf();
  const std::string all = text.str();
  return all.size() > 2000 ? all.substr(all.size() - 2000) : all;
}

}  // namespace codearena::testing
