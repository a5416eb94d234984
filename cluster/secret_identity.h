// A TLS identity every node of a cluster derives alike from one shared secret (CLUSTER_SECRET),
// for clusters without a certificate authority of their own.
#pragma once

#include <string>

#include "cluster/tls.h"

namespace codearena::cluster {

// An Ed25519 key made from scrypt of the secret and a self-signed certificate of it, kept in
// memory-only files (memfd, close-on-exec) that live as long as this object and are named by
// /proc/self/fd paths, so that no key is ever on a disk or left behind. Ed25519 signatures are
// deterministic, so every node that knows the secret writes the same certificate; each presents
// it and trusts only it, so a peer proves it knows the secret in the TLS handshake, before CAF
// reads any message from it. Anyone who connects gets the certificate: the secret must be random
// (`openssl rand -base64 48`), since a guessable one can be tried against it offline. The secret must have at least 32 bytes (std::invalid_argument
// otherwise); std::runtime_error when the files cannot be made. Not copyable; the paths are
// valid in this process only.
class SecretTlsIdentity {
 public:
  explicit SecretTlsIdentity(const std::string& secret);
  ~SecretTlsIdentity();  // Closes the files.
  SecretTlsIdentity(const SecretTlsIdentity&) = delete;
  SecretTlsIdentity& operator=(const SecretTlsIdentity&) = delete;

  // The certificate (also the only CA) and key to give load_tls().
  const TlsFiles& files() const { return files_; }

 private:
  int key_fd_ = -1;
  int certificate_fd_ = -1;
  TlsFiles files_;
};

// The fewest bytes a cluster secret may have.
constexpr size_t kMinClusterSecretBytes = 32;

}  // namespace codearena::cluster
