// The engine <-> box keeper protocol: fields and descriptors survive a real socket pair.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "sandbox/errors.h"
#include "sandbox/wire.h"

using namespace codearena::sandbox;

namespace {

struct SocketPair {
  UniqueFd a, b;
  SocketPair() {
    int ends[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) == 0);
    a.reset(ends[0]);
    b.reset(ends[1]);
  }
};

}  // namespace

TEST_CASE("wire messages carry numbers, strings with NUL bytes and lists") {
  SocketPair pair;
  const std::string binary("a\0b", 3);
  wire::send_message(
      pair.a.get(),
      wire::Writer(wire::Type::kRun).u64(42).str(binary).strs({"x", "", "yz"}).bytes());
  auto message = wire::receive_message(pair.b.get());
  REQUIRE(message);
  wire::Reader reader(message->body);
  CHECK(reader.type() == wire::Type::kRun);
  CHECK(reader.u64() == 42);
  CHECK(reader.str() == binary);
  CHECK(reader.strs() == std::vector<std::string>{"x", "", "yz"});
  REQUIRE_THROWS_AS(reader.u64(), SandboxError);  // Reading past the end is an error, not UB.
}

TEST_CASE("wire messages pass descriptors that stay usable") {
  SocketPair pair;
  int pipe_ends[2];
  REQUIRE(::pipe(pipe_ends) == 0);
  UniqueFd read_end(pipe_ends[0]), write_end(pipe_ends[1]);
  wire::send_message(pair.a.get(), wire::Writer(wire::Type::kExited).bytes(), {write_end.get()});
  write_end.reset();
  auto message = wire::receive_message(pair.b.get());
  REQUIRE(message);
  REQUIRE(message->fds.size() == 1);
  CHECK((::fcntl(message->fds[0].get(), F_GETFD) & FD_CLOEXEC) != 0);
  REQUIRE(::write(message->fds[0].get(), "ok", 2) == 2);
  char buffer[2];
  REQUIRE(::read(read_end.get(), buffer, 2) == 2);
  CHECK(std::string(buffer, 2) == "ok");
}

TEST_CASE("wire reports a closed peer as no message") {
  SocketPair pair;
  pair.a.reset();
  CHECK_FALSE(wire::receive_message(pair.b.get()).has_value());
}

TEST_CASE("wire refuses a truncated message") {
  const std::string body(1, static_cast<char>(wire::Type::kRun));
  wire::Reader reader(body);
  REQUIRE_THROWS_AS(reader.str(), SandboxError);
}
