// The sockets of the HTTP listener's client connections (RESTinio's stream_socket_t): marked
// close-on-exec, counted per client (ConnectionLimits), closed when silent, and watched as they
// are read (RequestWatch). Used on the connection's strand only, as RESTinio uses its sockets;
// only the silence timer runs elsewhere (ConnectionStanding).
#pragma once

#include <fcntl.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

#include <restinio/all.hpp>
#include <restinio/tls.hpp>

#include "http/connection_limits.h"
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

// The settings of the process's one HTTP listener's client connections, set before it starts.
struct ClientSocketSettings {
  uint64_t max_body_bytes = 0;
  std::shared_ptr<ConnectionLimits> limits;      // Null: no limit per client.
  std::chrono::milliseconds silence_timeout{0};  // Zero: silent connections stay.
};
inline ClientSocketSettings client_socket_settings;

// One accepted connection's standing: its place in its peer's count (none when the peer was
// over its limit) and the timer that closes it if it sends no request bytes in time. The
// timer runs on an asio thread of its own choosing, so it only shuts the socket down (a system
// call, safe beside the connection's own operations, which then end) and never once the
// socket is closed, when the descriptor could already name another connection.
class ConnectionStanding : public std::enable_shared_from_this<ConnectionStanding> {
 public:
  explicit ConnectionStanding(TcpSocket::lowest_layer_type& socket) : fd_(socket.native_handle()) {
    asio::error_code error;
    const auto peer = socket.remote_endpoint(error);
    if (client_socket_settings.limits) {
      place_ = client_socket_settings.limits->admit(error ? "" : peer.address().to_string());
    } else {
      place_.emplace();
    }
  }

  // Starts the silence timer on `executor` (once, right after the standing is made); does
  // nothing when SILENT_CONNECTION_TIMEOUT is off.
  void start_silence_timer(const asio::any_io_executor& executor) {
    const auto timeout = client_socket_settings.silence_timeout;
    if (timeout.count() <= 0) return;
    timer_.emplace(executor, timeout);
    timer_->async_wait([weak = weak_from_this()](const asio::error_code& error) {
      if (auto standing = weak.lock(); standing && !error) standing->end_if_silent();
    });
  }

  // Whether the peer held its limit when the connection came: it is to be refused.
  bool refused() const { return !place_; }
  // Request bytes arrived: the silence timer leaves the connection alone.
  void heard() { heard_.store(true); }
  // Called before the descriptor is closed; from then on the timer never touches it.
  void closing() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }

 private:
  void end_if_silent() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!closed_ && !heard_.load()) ::shutdown(fd_, SHUT_RDWR);
  }

  const int fd_;
  std::optional<ConnectionLimits::Place> place_;
  std::optional<asio::steady_timer> timer_;
  std::atomic<bool> heard_{false};
  std::mutex mutex_;
  bool closed_ = false;
};

// The answer to a connection over its client's limit, written before the connection closes.
inline std::string too_many_connections_answer(std::size_t per_client) {
  return closing_answer("429 Too Many Requests", "too_many_connections",
                        "this client already holds " + std::to_string(per_client) +
                            " connections, the most one client may; reuse them (keep-alive) or "
                            "close some",
                        "Retry-After: 1\r\n");
}

// A client's connection (plain TCP or TLS): close-on-exec, counted against its client's
// connection limit, closed when it stays silent, and watched as it is read so that clients get
// the answers RESTinio does not give (RequestWatch): 100 Continue, an early 413, a 400 for
// bytes that are not HTTP. Those are written synchronously on the connection's strand when
// RESTinio asks for more bytes, which it does only once every request before has its answer.
template <typename Base>
class WatchedSocket : public Base {
 public:
  using Base::Base;
  WatchedSocket(WatchedSocket&& accepted)
      : Base(std::move(accepted)),
        watch_(std::move(accepted.watch_)),
        standing_(std::move(accepted.standing_)) {
    if (!this->is_open()) return;
    mark_close_on_exec(this->lowest_layer().native_handle());
    if (!standing_) {  // The first move: out of the acceptor's pool.
      standing_ = std::make_shared<ConnectionStanding>(this->lowest_layer());
      standing_->start_silence_timer(this->lowest_layer().get_executor());
    }
  }
  WatchedSocket& operator=(WatchedSocket&& other) {
    if (standing_) standing_->closing();
    Base::operator=(std::move(other));
    watch_ = std::move(other.watch_);
    standing_ = std::move(other.standing_);
    return *this;
  }
  ~WatchedSocket() {
    if (standing_) standing_->closing();
  }

  // RESTinio closes through here; the standing hears of it before the descriptor goes.
  template <typename... Args>
  void close(Args&&... args) {
    if (standing_) standing_->closing();
    Base::close(std::forward<Args>(args)...);
  }

  // RESTinio reads through here, one read at a time, its handler bound to the connection's
  // strand; it reads only once every request it was handed has its answer.
  template <typename Handler>
  void async_read_some(const asio::mutable_buffer& buffer, Handler&& handler) {
    auto executor = asio::get_associated_executor(handler, this->get_executor());
    if (standing_ && standing_->refused()) {
      return refuse(executor,
                    too_many_connections_answer(client_socket_settings.limits->per_client()),
                    std::forward<Handler>(handler));
    }
    auto due = watch_.due();
    if (due.close) return refuse(executor, due.bytes, std::forward<Handler>(handler));
    write_now(due.bytes);
    Base::async_read_some(
        buffer,
        asio::bind_executor(executor, [this, buffer, handler = std::forward<Handler>(handler)](
                                          const asio::error_code& error, std::size_t size) mutable {
          if (error) return handler(error, size);
          if (standing_) standing_->heard();
          const auto handed = watch_.feed(static_cast<const char*>(buffer.data()), size);
          if (handed > 0) return handler(error, handed);
          // Refused at the first byte read: nothing before it is left to answer.
          write_now(watch_.due().bytes);
          handler(asio::error::make_error_code(asio::error::eof), 0);
        }));
  }

 private:
  // Writes `answer`, then ends the read with end of file: RESTinio closes the connection.
  template <typename Executor, typename Handler>
  void refuse(const Executor& executor, const std::string& answer, Handler&& handler) {
    write_now(answer);
    asio::post(executor, [handler = std::forward<Handler>(handler)]() mutable {
      handler(asio::error::make_error_code(asio::error::eof), 0);
    });
  }

  void write_now(const std::string& bytes) {
    if (bytes.empty()) return;
    asio::error_code ignored;  // A client gone while being answered is told nothing.
    asio::write(stream(), asio::buffer(bytes), ignored);
  }

  // What carries bytes to the client: the socket itself, or the TLS stream over it.
  auto& stream() {
    if constexpr (std::is_same_v<Base, TcpSocket>) {
      return static_cast<TcpSocket&>(*this);
    } else {
      return this->asio_ssl_stream();
    }
  }

  RequestWatch watch_{client_socket_settings.max_body_bytes};
  std::shared_ptr<ConnectionStanding> standing_;
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
