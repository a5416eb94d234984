// The sockets of the HTTP listener's client connections (RESTinio's stream_socket_t): marked
// close-on-exec and watched as they are read (RequestWatch). Used on the connection's strand
// only, as RESTinio uses its sockets.
#pragma once

#include <fcntl.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>

#include <restinio/all.hpp>

#include "http/request_watch.h"

namespace codearena::http {

// asio opens the listening socket and accepts connections without SOCK_CLOEXEC; a client's
// connection must never be open in a program the node starts. So the listener is marked
// close-on-exec right after bind, and each connection as RESTinio takes it from the acceptor
// (it moves the accepted socket out of its pool before anything else).
inline void mark_close_on_exec(int fd) {
  if (::fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(),
                            "http: marking socket " + std::to_string(fd) + " close-on-exec");
  }
}

using TcpSocket = restinio::asio_ns::ip::tcp::socket;
namespace asio = restinio::asio_ns;

// A client's connection: close-on-exec, and watched as it is read so that clients get the
// answers RESTinio does not give (RequestWatch): 100 Continue, an early 413, a 400 for bytes that
// are not HTTP. Those are written synchronously on the connection's strand, between RESTinio's
// own writes, which only a client pipelining requests behind one still being answered could see.
class ClientSocket : public TcpSocket {
 public:
  // The body limit of the process's one HTTP listener, set before it starts.
  static inline std::atomic<uint64_t> max_body_bytes{0};

  explicit ClientSocket(asio::io_context& context) : TcpSocket(context) {}
  ClientSocket(ClientSocket&& accepted)
      : TcpSocket(std::move(accepted)), watch_(std::move(accepted.watch_)) {
    if (is_open()) mark_close_on_exec(native_handle());
  }
  ClientSocket& operator=(ClientSocket&&) = default;

  // RESTinio reads through here, one read at a time, its handler bound to the connection's strand.
  template <typename Handler>
  void async_read_some(const asio::mutable_buffer& buffer, Handler&& handler) {
    auto executor = asio::get_associated_executor(handler, get_executor());
    TcpSocket::async_read_some(
        buffer,
        asio::bind_executor(executor, [this, buffer, handler = std::forward<Handler>(handler)](
                                          const asio::error_code& error, std::size_t size) mutable {
          if (error) return handler(error, size);
          const auto reply = watch_.feed(static_cast<const char*>(buffer.data()), size);
          if (!reply.bytes.empty()) {
            asio::error_code ignored;  // A client gone while being answered is told nothing.
            asio::write(static_cast<TcpSocket&>(*this), asio::buffer(reply.bytes), ignored);
          }
          if (reply.close) return handler(asio::error::make_error_code(asio::error::eof), 0);
          handler(error, size);
        }));
  }

 private:
  RequestWatch watch_{max_body_bytes.load()};
};

}  // namespace codearena::http
