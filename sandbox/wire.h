// The framing of messages between the supervisor (in the engine process) and a slot's box
// keeper; the messages themselves are in keeper_protocol.h.
//
// The two talk over a SOCK_SEQPACKET socket pair: one message per packet, descriptors travel
// with SCM_RIGHTS. Encoding is a type byte followed by fixed-size integers and length-prefixed
// fields; both ends are built from the same sources, so there is no versioning. Functions throw
// SandboxError on malformed input or socket errors, except receive_message, which reports a
// closed peer. A Reader never reads past its message and never allocates more than the message
// could hold, whatever the counts in it say.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sandbox/errors.h"
#include "sandbox/fs_util.h"

namespace codearena::sandbox::wire {

enum class Type : uint8_t {
  kSetup = 1,  // engine -> keeper: slot identity, root layout, seccomp filter.
  kReady,      // keeper -> engine: the box is built. Or kFailed with the reason.
  kRun,        // engine -> keeper: one program; fds: stdin, stdout, stderr, input files.
  kKill,       // engine -> keeper: end the run now.
  kStarted,    // keeper -> engine: the program was exec'd; fd: its seccomp listener.
  kExited,     // keeper -> engine: every process of the run is gone; fds: collected files.
  kFailed,     // keeper -> engine: text says what failed (setup, spawn, file placement).
  kJoin,       // engine -> keeper: fds: a network namespace, the slot cgroup's join files.
  kPark,       // engine -> keeper: wait for another engine; fd: the engine's end of the socket.
};

// Builds a message body.
class Writer {
 public:
  explicit Writer(Type type) { bytes_.push_back(static_cast<char>(type)); }
  Writer& u64(uint64_t value);
  Writer& str(const std::string& value);
  Writer& strs(const std::vector<std::string>& values);
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// Reads a message body in the order it was written.
class Reader {
 public:
  explicit Reader(const std::string& bytes) : bytes_(bytes) {}
  Type type() const;
  uint64_t u64();
  std::string str();
  std::vector<std::string> strs();
  // True when every byte of the message has been read.
  bool at_end() const { return offset_ == bytes_.size(); }

 private:
  void need(size_t count) const;
  const std::string& bytes_;
  size_t offset_ = 1;
};

struct Message {
  std::string body;
  std::vector<UniqueFd> fds;
};

// The peer closed the socket before a send: nothing is wrong on this side.
class PeerClosed : public SandboxError {
 public:
  using SandboxError::SandboxError;
};

// Sends one packet with the given descriptors (which stay owned by the caller). Throws
// PeerClosed when the peer has closed the socket, SandboxError on any other failure.
void send_message(int socket, const std::string& body, const std::vector<int>& fds = {});
// Receives one packet; received descriptors are close-on-exec. std::nullopt when the peer has
// closed the socket.
std::optional<Message> receive_message(int socket);

}  // namespace codearena::sandbox::wire
