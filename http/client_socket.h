// The sockets of the HTTP listener's client connections (RESTinio's stream_socket_t): marked
// close-on-exec and watched as they are read (RequestWatch). Used on the connection's strand
// only, as RESTinio uses its sockets.
#pragma once

#include <fcntl.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include <restinio/all.hpp>
#include <restinio/tls.hpp>

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

// The body limit of the process's one HTTP listener, set before it starts.
inline std::atomic<uint64_t> client_max_body_bytes{0};

// A client's connection (plain TCP or TLS): close-on-exec, and watched as it is read so that
// clients get the answers RESTinio does not give (RequestWatch): 100 Continue, an early 413, a
// 400 for bytes that are not HTTP. Those are written synchronously on the connection's strand,
// between RESTinio's own writes, which only a client pipelining requests behind one still being
// answered could see.
template <typename Base>
class WatchedSocket : public Base {
 public:
  using Base::Base;
  WatchedSocket(WatchedSocket&& accepted)
      : Base(std::move(accepted)), watch_(std::move(accepted.watch_)) {
    if (this->is_open()) mark_close_on_exec(this->lowest_layer().native_handle());
  }
  WatchedSocket& operator=(WatchedSocket&&) = default;

  // RESTinio reads through here, one read at a time, its handler bound to the connection's strand.
  template <typename Handler>
  void async_read_some(const asio::mutable_buffer& buffer, Handler&& handler) {
    auto executor = asio::get_associated_executor(handler, this->get_executor());
    Base::async_read_some(
        buffer,
        asio::bind_executor(executor, [this, buffer, handler = std::forward<Handler>(handler)](
                                          const asio::error_code& error, std::size_t size) mutable {
          if (error) return handler(error, size);
          const auto reply = watch_.feed(static_cast<const char*>(buffer.data()), size);
          if (!reply.bytes.empty()) {
            asio::error_code ignored;  // A client gone while being answered is told nothing.
            asio::write(stream(), asio::buffer(reply.bytes), ignored);
          }
          if (reply.close) return handler(asio::error::make_error_code(asio::error::eof), 0);
          handler(error, size);
        }));
  }

 private:
  // What carries bytes to the client: the socket itself, or the TLS stream over it.
  auto& stream() {
    if constexpr (std::is_same_v<Base, TcpSocket>) {
      return static_cast<TcpSocket&>(*this);
    } else {
      return this->asio_ssl_stream();
    }
  }

  RequestWatch watch_{client_max_body_bytes.load()};
};

using ClientSocket = WatchedSocket<TcpSocket>;
using TlsClientSocket = WatchedSocket<restinio::impl::tls_socket_t>;

// How long a client may take for its TLS handshake: RESTinio's timeouts start after it, so a
// client that never finishes it would otherwise keep its connection (and a place under the
// connection cap) for ever. Handshakes take milliseconds; this leaves slow links ample time.
constexpr std::chrono::seconds kTlsHandshakeTimeout{10};

// RESTinio's step before reading a TLS connection (found by argument-dependent lookup, chosen
// over its own for tls_socket_t): the handshake, closed when it outlasts kTlsHandshakeTimeout.
// Runs on the connection's strand, like the handshake's handlers.
template <typename Connection, typename StartRead, typename Failed>
void prepare_connection_and_start_read(TlsClientSocket& socket, Connection& connection,
                                       StartRead start_read, Failed failed) {
  auto& strand = connection.get_executor();
  auto deadline = std::make_shared<asio::steady_timer>(strand, kTlsHandshakeTimeout);
  deadline->async_wait(asio::bind_executor(
      strand, [&socket, keep = connection.shared_from_this()](const asio::error_code& error) {
        asio::error_code ignored;
        if (!error) socket.lowest_layer().close(ignored);  // The handshake then fails.
      }));
  socket.async_handshake(
      asio::ssl::stream_base::server,
      asio::bind_executor(strand,
                          [deadline, start_read = std::move(start_read), failed = std::move(failed),
                           keep = connection.shared_from_this()](const asio::error_code& error) {
                            deadline->cancel();
                            if (error) return failed(error);
                            start_read();
                          }));
}

}  // namespace codearena::http

namespace restinio {

// RESTinio's TLS settings and socket pool know only its own tls_socket_t; TlsClientSocket gets
// the same (RESTinio then moves each accepted socket into its connection, which marks it
// close-on-exec).
template <typename Settings>
class socket_type_dependent_settings_t<Settings, codearena::http::TlsClientSocket>
    : public socket_type_dependent_settings_t<Settings, impl::tls_socket_t> {
 public:
  socket_type_dependent_settings_t() noexcept {}
  socket_type_dependent_settings_t(socket_type_dependent_settings_t&&) noexcept = default;

 protected:
  ~socket_type_dependent_settings_t() = default;
};

namespace impl {

template <>
class socket_supplier_t<codearena::http::TlsClientSocket> {
 protected:
  template <typename Settings>
  socket_supplier_t(Settings& settings, asio_ns::io_context& io_context)
      : tls_context_(settings.giveaway_tls_context()), io_context_(io_context) {
    while (sockets_.size() < settings.concurrent_accepts_count()) {
      sockets_.emplace_back(io_context_, tls_context_);
    }
  }
  virtual ~socket_supplier_t() = default;

  codearena::http::TlsClientSocket& socket(std::size_t index) { return sockets_.at(index); }

  codearena::http::TlsClientSocket move_socket(std::size_t index) {
    codearena::http::TlsClientSocket accepted{io_context_, tls_context_};
    std::swap(accepted, sockets_.at(index));
    return accepted;
  }

  std::size_t concurrent_accept_sockets_count() const { return sockets_.size(); }

 private:
  std::shared_ptr<asio_ns::ssl::context> tls_context_;
  asio_ns::io_context& io_context_;
  std::vector<codearena::http::TlsClientSocket> sockets_;
};

}  // namespace impl
}  // namespace restinio
