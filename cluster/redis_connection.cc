#include "cluster/redis_connection.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

#include "cluster/errors.h"

namespace codearena::cluster {
namespace {

int parse_number(const std::string& url, const std::string& text, const char* what, int max) {
  int value = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > max) {
    throw std::invalid_argument("redis URL '" + url + "': bad " + what + " '" + text +
                                "' (expected redis://host:port[/db])");
  }
  return value;
}

RedisReply copy_reply(const redisReply& reply) {
  RedisReply copy;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      copy.type = RedisReply::Type::kString;
      break;
    case REDIS_REPLY_STATUS:
      copy.type = RedisReply::Type::kStatus;
      break;
    case REDIS_REPLY_ERROR:
      copy.type = RedisReply::Type::kError;
      break;
    case REDIS_REPLY_INTEGER:
      copy.type = RedisReply::Type::kInteger;
      copy.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      copy.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < reply.elements; ++i)
        copy.elements.push_back(copy_reply(*reply.element[i]));
      break;
    default:
      copy.type = RedisReply::Type::kNil;
  }
  if (reply.str != nullptr) copy.text.assign(reply.str, reply.len);
  return copy;
}

std::string hex_sha1(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr) != 1) {
    throw std::runtime_error("SHA-1 of a Redis script failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  return hex;
}

timeval to_timeval(std::chrono::milliseconds duration) {
  return timeval{static_cast<time_t>(duration.count() / 1000),
                 static_cast<suseconds_t>(duration.count() % 1000 * 1000)};
}

}  // namespace

RedisEndpoint parse_redis_url(const std::string& url) {
  const std::string scheme = "redis://";
  const auto bad = [&](const std::string& what) {
    return std::invalid_argument("redis URL '" + url + "': " + what +
                                 " (expected redis://host:port[/db])");
  };
  if (url.compare(0, scheme.size(), scheme) != 0) throw bad("must start with redis://");
  std::string authority = url.substr(scheme.size());
  RedisEndpoint endpoint;
  const auto slash = authority.find('/');
  if (slash != std::string::npos) {
    endpoint.db = parse_number(url, authority.substr(slash + 1), "database number", 1 << 20);
    authority.resize(slash);
  }
  if (authority.find('@') != std::string::npos) throw bad("credentials are not supported");
  const auto colon = authority.find(':');
  if (colon != std::string::npos) {
    endpoint.port = parse_number(url, authority.substr(colon + 1), "port", 65535);
    authority.resize(colon);
  }
  if (authority.empty()) throw bad("no host");
  endpoint.host = authority;
  return endpoint;
}

RedisScript::RedisScript(std::string source)
    : source_(std::move(source)), sha1_(hex_sha1(source_)) {}

RedisConnection::RedisConnection(const RedisOptions& options)
    : endpoint_(parse_redis_url(options.url)),
      timeout_(options.timeout),
      password_(options.password) {
  ensure_connected();
}

RedisConnection::~RedisConnection() {
  if (context_ != nullptr) redisFree(context_);
}

void RedisConnection::ensure_connected() {
  if (context_ != nullptr) return;
  const timeval timeout = to_timeval(timeout_);
  context_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, timeout);
  if (context_ == nullptr) throw StoreUnavailableError("redis: cannot allocate a connection");
  if (context_->err != 0) fail("connect");
  // hiredis 0.14 opens its socket without SOCK_CLOEXEC; no program the node starts may get it.
  if (::fcntl(context_->fd, F_SETFD, FD_CLOEXEC) != 0)
    fail(std::string("mark close-on-exec: ") + std::strerror(errno));
  if (redisSetTimeout(context_, timeout) != REDIS_OK) fail("set timeout");
  ++connects_;
  // The password stays out of the error: errors are logged.
  if (!password_.empty()) refuse_unless_ok(command({"AUTH", password_}), "AUTH");
  if (endpoint_.db != 0)
    refuse_unless_ok(command({"SELECT", std::to_string(endpoint_.db)}),
                     "SELECT " + std::to_string(endpoint_.db));
}

void RedisConnection::refuse_unless_ok(const RedisReply& reply, const std::string& what) {
  if (!reply.is_error()) return;
  redisFree(context_);
  context_ = nullptr;
  throw StoreError("redis: " + what + ": " + reply.text);
}

void RedisConnection::fail(const std::string& what) {
  const std::string reason = context_ != nullptr ? context_->errstr : "no connection";
  if (context_ != nullptr) redisFree(context_);
  context_ = nullptr;
  throw StoreUnavailableError("redis " + endpoint_.host + ":" + std::to_string(endpoint_.port) +
                              ": " + what + ": " + reason);
}

std::vector<RedisReply> RedisConnection::pipeline(const std::vector<RedisCommand>& commands) {
  if (commands.empty()) return {};
  ensure_connected();
  for (const auto& command : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const auto& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      fail("queue command");
    }
  }
  commands_sent_ += static_cast<int64_t>(commands.size());
  ++round_trips_;
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) fail("read reply");
    auto* reply = static_cast<redisReply*>(raw);
    replies.push_back(copy_reply(*reply));
    freeReplyObject(reply);
  }
  return replies;
}

RedisReply RedisConnection::command(const RedisCommand& command) {
  return std::move(pipeline({command}).front());
}

RedisReply RedisConnection::run_script(const RedisScript& script,
                                       const std::vector<std::string>& keys,
                                       const std::vector<std::string>& args) {
  RedisCommand call{"EVALSHA", script.sha1(), std::to_string(keys.size())};
  call.insert(call.end(), keys.begin(), keys.end());
  call.insert(call.end(), args.begin(), args.end());
  RedisReply reply = command(call);
  if (reply.is_error() && reply.text.compare(0, 8, "NOSCRIPT") == 0) {
    call[0] = "EVAL";
    call[1] = script.source();
    reply = command(call);
  }
  return reply;
}

}  // namespace codearena::cluster
