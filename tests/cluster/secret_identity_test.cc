// The TLS identity derived from CLUSTER_SECRET: the same on every node that knows the secret,
// another for another secret, and never on a disk.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "cluster/secret_identity.h"

using codearena::cluster::SecretTlsIdentity;

namespace {

std::string read(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  REQUIRE(file);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

const std::string kSecret = "the cluster's own secret, 32 bytes or more";

}  // namespace

TEST_CASE("secret identity: every node that knows the secret makes the same certificate") {
  const SecretTlsIdentity one(kSecret);
  const SecretTlsIdentity two(kSecret);
  const std::string certificate = read(one.files().certificate);
  CHECK_THAT(certificate, Catch::StartsWith("-----BEGIN CERTIFICATE-----"));
  CHECK(read(two.files().certificate) == certificate);
  CHECK(read(two.files().key) == read(one.files().key));
  // The certificate is its own CA: each node trusts exactly it.
  CHECK(one.files().ca_file == one.files().certificate);

  const SecretTlsIdentity other("another cluster's secret, also 32 bytes");
  CHECK(read(other.files().certificate) != certificate);
}

TEST_CASE("secret identity: the files live in memory only and go with the object") {
  std::string key_path;
  {
    const SecretTlsIdentity identity(kSecret);
    key_path = identity.files().key;
    CHECK_THAT(key_path, Catch::StartsWith("/proc/self/fd/"));
    CHECK_THAT(read(key_path), Catch::Contains("PRIVATE KEY"));
  }
  CHECK_FALSE(std::ifstream(key_path));
}

TEST_CASE("secret identity: a secret under 32 bytes is refused") {
  CHECK_THROWS_AS(SecretTlsIdentity(std::string(31, 's')), std::invalid_argument);
}
