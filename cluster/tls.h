// TLS between the nodes of a cluster, through CAF 0.17's OpenSSL module.
#pragma once

#include <string>

#include <caf/fwd.hpp>

namespace codearena::cluster {

// What a node presents and whom it trusts. With a certificate, key and CA file both sides of
// every connection verify each other; with none the link is encrypted but not authenticated.
struct TlsFiles {
  std::string certificate;
  std::string key;
  std::string ca_file;
};

// Loads CAF's OpenSSL module into `config` with these files; call before the actor system is
// made from it. Linking this also makes every TLS read, write and handshake in the process start
// with an empty OpenSSL error queue (see tls.cc for why CAF 0.17 needs that).
void load_tls(caf::actor_system_config& config, const TlsFiles& files);

}  // namespace codearena::cluster
