#include "sandbox/wire.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstring>

#include "sandbox/errors.h"

namespace codearena::sandbox::wire {
namespace {

constexpr size_t kMaxMessageBytes = 192 * 1024;
constexpr size_t kMaxFds = 250;

}  // namespace

Writer& Writer::u64(uint64_t value) {
  bytes_.append(reinterpret_cast<const char*>(&value), sizeof value);
  return *this;
}

Writer& Writer::str(const std::string& value) {
  u64(value.size());
  bytes_.append(value);
  return *this;
}

Writer& Writer::strs(const std::vector<std::string>& values) {
  u64(values.size());
  for (const auto& value : values) str(value);
  return *this;
}

Type Reader::type() const {
  need(0);
  return static_cast<Type>(bytes_.at(0));
}

void Reader::need(size_t count) const {
  if (bytes_.empty() || count > bytes_.size() - offset_) {
    throw SandboxError("sandbox protocol: truncated message");
  }
}

uint64_t Reader::u64() {
  need(sizeof(uint64_t));
  uint64_t value;
  std::memcpy(&value, bytes_.data() + offset_, sizeof value);
  offset_ += sizeof value;
  return value;
}

std::string Reader::str() {
  const auto size = u64();
  need(size);
  std::string value = bytes_.substr(offset_, size);
  offset_ += size;
  return value;
}

std::vector<std::string> Reader::strs() {
  const auto count = u64();
  // Every string takes at least its length field: a count the rest cannot hold is a lie, and
  // checked this way round it cannot overflow.
  if (count > (bytes_.size() - offset_) / sizeof(uint64_t)) {
    throw SandboxError("sandbox protocol: truncated message");
  }
  std::vector<std::string> values;
  values.reserve(count);
  for (uint64_t i = 0; i < count; ++i) values.push_back(str());
  return values;
}

void send_message(int socket, const std::string& body, const std::vector<int>& fds) {
  if (body.size() > kMaxMessageBytes) {
    throw SandboxError("sandbox protocol: message of " + std::to_string(body.size()) +
                       " bytes is too large (arguments and environment too long?)");
  }
  if (fds.size() > kMaxFds) throw SandboxError("sandbox protocol: too many files in one run");
  iovec io{const_cast<char*>(body.data()), body.size()};
  msghdr header{};
  header.msg_iov = &io;
  header.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  if (!fds.empty()) {
    header.msg_control = control.data();
    header.msg_controllen = control.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&header);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    if (::sendmsg(socket, &header, MSG_NOSIGNAL) >= 0) return;
    if (errno == EPIPE || errno == ECONNRESET)
      throw PeerClosed("sandbox protocol: the other end closed the socket");
    if (errno != EINTR) throw_errno("sandbox protocol: sendmsg", errno);
  }
}

std::optional<Message> receive_message(int socket) {
  // Reused per thread: a fresh 192 KiB buffer per message would cost more than the message.
  thread_local std::vector<char> buffer(kMaxMessageBytes);
  thread_local std::vector<char> control(CMSG_SPACE(sizeof(int) * kMaxFds));
  iovec io{buffer.data(), buffer.size()};
  msghdr header{};
  header.msg_iov = &io;
  header.msg_iovlen = 1;
  header.msg_control = control.data();
  header.msg_controllen = control.size();
  ssize_t received;
  do {
    received = ::recvmsg(socket, &header, MSG_CMSG_CLOEXEC);
  } while (received < 0 && errno == EINTR);
  if (received < 0 && errno == ECONNRESET) return std::nullopt;
  if (received < 0) throw_errno("sandbox protocol: recvmsg", errno);
  if (received == 0) return std::nullopt;
  Message message;
  for (cmsghdr* cmsg = CMSG_FIRSTHDR(&header); cmsg != nullptr; cmsg = CMSG_NXTHDR(&header, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
      message.fds.emplace_back(fd);
    }
  }
  if (header.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
    throw SandboxError("sandbox protocol: message truncated");
  }
  message.body.assign(buffer.data(), static_cast<size_t>(received));
  return message;
}

}  // namespace codearena::sandbox::wire
