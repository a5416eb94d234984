#include "cluster/secret_identity.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "common/openssl_owned.h"

namespace codearena::cluster {
namespace {

using common::OpensslOwned;
using Key = OpensslOwned<EVP_PKEY, EVP_PKEY_free>;
using Certificate = OpensslOwned<X509, X509_free>;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("cluster secret: " + what);
}

// The Ed25519 private key: 32 bytes of scrypt of the secret. The certificate, and so the public
// key, goes to anyone who connects: a slow, memory-hard derivation (N = 2^15, r = 8: 32 MiB and
// tens of milliseconds per guess) keeps a guessable secret from being found offline by trying
// candidates against it, where one HKDF call per guess allowed tens of thousands per second.
// The salt is a label of its own, so that no other use of the secret yields the same bytes.
Key derive_key(const std::string& secret) {
  static constexpr char kLabel[] = "codearena cluster TLS identity v1";
  constexpr uint64_t kCost = 1 << 15, kBlockSize = 8, kParallelism = 1;
  constexpr uint64_t kMaxMemory = 64 << 20;
  std::array<unsigned char, 32> seed{};
  if (EVP_PBE_scrypt(secret.data(), secret.size(), reinterpret_cast<const unsigned char*>(kLabel),
                     sizeof kLabel - 1, kCost, kBlockSize, kParallelism, kMaxMemory, seed.data(),
                     seed.size()) != 1)
    fail("scrypt failed");
  Key key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  OPENSSL_cleanse(seed.data(), seed.size());
  if (!key) fail("cannot make the Ed25519 key");
  return key;
}

// A self-signed CA certificate of `key` whose every field is fixed, so that every node makes
// the same bytes.
Certificate self_signed(EVP_PKEY* key) {
  Certificate certificate(X509_new());
  X509_NAME* name = certificate ? X509_get_subject_name(certificate.get()) : nullptr;
  X509_EXTENSION* constraints =
      X509V3_EXT_conf_nid(nullptr, nullptr, NID_basic_constraints, "critical,CA:TRUE");
  const bool made =
      name != nullptr && constraints != nullptr && X509_set_version(certificate.get(), 2) &&
      ASN1_INTEGER_set(X509_get_serialNumber(certificate.get()), 1) &&
      ASN1_TIME_set_string(X509_getm_notBefore(certificate.get()), "20000101000000Z") &&
      ASN1_TIME_set_string(X509_getm_notAfter(certificate.get()), "99991231235959Z") &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("codearena cluster"), -1,
                                 -1, 0) &&
      X509_set_issuer_name(certificate.get(), name) && X509_set_pubkey(certificate.get(), key) &&
      X509_add_ext(certificate.get(), constraints, -1) &&
      X509_sign(certificate.get(), key, nullptr) > 0;  // Ed25519 hashes by itself.
  X509_EXTENSION_free(constraints);
  if (!made) fail("cannot make the certificate");
  return certificate;
}

// A file in memory only (memfd, close-on-exec) holding `text`: gone with the process, however
// it ends, and never on a disk.
int memory_file(const char* name, const std::string& text) {
  const int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) fail(std::string("memfd_create: ") + std::strerror(errno));
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail(std::string("cannot write ") + name + ": " + std::strerror(errno));
    }
    written += static_cast<size_t>(n);
  }
  return fd;
}

template <class Write>
std::string pem_text(Write write) {
  OpensslOwned<BIO, BIO_free_all> bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) fail("cannot write PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

std::string path_of(int fd) {
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace

SecretTlsIdentity::SecretTlsIdentity(const std::string& secret) {
  if (secret.size() < kMinClusterSecretBytes)
    throw std::invalid_argument("the cluster secret has " + std::to_string(secret.size()) +
                                " bytes; at least " + std::to_string(kMinClusterSecretBytes) +
                                " are needed");
  const Key key = derive_key(secret);
  const Certificate certificate = self_signed(key.get());
  std::string key_pem = pem_text([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  const std::string certificate_pem =
      pem_text([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate.get()); });
  key_fd_ = memory_file("codearena-cluster-key", key_pem);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  try {
    certificate_fd_ = memory_file("codearena-cluster-certificate", certificate_pem);
  } catch (...) {
    ::close(key_fd_);
    throw;
  }
  files_ = {path_of(certificate_fd_), path_of(key_fd_), path_of(certificate_fd_)};
}

SecretTlsIdentity::~SecretTlsIdentity() {
  ::close(key_fd_);
  ::close(certificate_fd_);
}

}  // namespace codearena::cluster
