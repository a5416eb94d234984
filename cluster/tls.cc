#include "cluster/tls.h"

#include <dlfcn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/openssl/manager.hpp>

namespace codearena::cluster {

void load_tls(caf::actor_system_config& config, const TlsFiles& files) {
  config.load<caf::openssl::manager>();
  config.set("openssl.certificate", files.certificate);
  config.set("openssl.key", files.key);
  config.set("openssl.cafile", files.ca_file);
}

}  // namespace codearena::cluster

// OpenSSL's SSL_get_error() reports SSL_ERROR_SSL whenever the calling thread's error queue is
// not empty, so OpenSSL requires the queue to be empty before each TLS I/O call. CAF 0.17's
// OpenSSL session does not clear it, and drains it only to log the error, which Debian's build
// of CAF compiles out. A handshake that fails (a port scanner, a node without TLS or with another
// CA's certificate) therefore left its error in the queue of CAF's I/O thread, and the next read
// of any healthy connection on that thread that merely had to wait for data was taken for a
// fatal error: CAF closed it, and the leader lost its members. The definitions below take
// precedence over libssl's for every caller in the process (the executable's symbols come first
// in the dynamic linker's lookup) and clear the queue before calling libssl's own.
namespace {

template <class Function>
Function* libssl_function(const char* name) {
  void* found = dlsym(RTLD_NEXT, name);
  if (found == nullptr) throw std::runtime_error(std::string("libssl has no ") + name);
  return reinterpret_cast<Function*>(found);
}

}  // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buffer, int size) {
  static auto* const real = libssl_function<int(SSL*, void*, int)>("SSL_read");
  ERR_clear_error();
  return real(ssl, buffer, size);
}

int SSL_write(SSL* ssl, const void* buffer, int size) {
  static auto* const real = libssl_function<int(SSL*, const void*, int)>("SSL_write");
  ERR_clear_error();
  return real(ssl, buffer, size);
}

int SSL_accept(SSL* ssl) {
  static auto* const real = libssl_function<int(SSL*)>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

int SSL_connect(SSL* ssl) {
  static auto* const real = libssl_function<int(SSL*)>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

}  // extern "C"
