#include "http/public_keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <memory>
#include <set>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/byte_text.h"
#include "common/openssl_owned.h"

namespace codearena::http {
namespace {

using nlohmann::json;

using common::OpensslOwned;
using Key = OpensslOwned<EVP_PKEY, EVP_PKEY_free>;
using Bio = OpensslOwned<BIO, BIO_free_all>;
using Number = OpensslOwned<BIGNUM, BN_free>;
using ParamBuilder = OpensslOwned<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Params = OpensslOwned<OSSL_PARAM, OSSL_PARAM_free>;
using KeyContext = OpensslOwned<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;

std::string member(const json& jwk, const char* name) {
  const auto found = jwk.find(name);
  if (found == jwk.end() || !found->is_string())
    throw std::invalid_argument(std::string("JWK without the string member \"") + name + "\"");
  return found->get<std::string>();
}

// A member that may be absent (then `fallback`) but, when present, must be a string.
std::string optional_member(const json& jwk, const char* name, const char* fallback = "") {
  return jwk.contains(name) ? member(jwk, name) : fallback;
}

std::string decoded_member(const json& jwk, const char* name) {
  auto bytes = base64url_decode(member(jwk, name));
  if (!bytes)
    throw std::invalid_argument(std::string("JWK member \"") + name + "\" is not base64url");
  return std::move(*bytes);
}

Number number(const json& jwk, const char* name) {
  const std::string bytes = decoded_member(jwk, name);
  return Number(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()), nullptr));
}

Key key_from(const char* type, OSSL_PARAM_BLD* builder) {
  Params params(OSSL_PARAM_BLD_to_param(builder));
  KeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !context || EVP_PKEY_fromdata_init(context.get()) <= 0 ||
      EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
    throw std::invalid_argument(std::string("JWK: not a valid ") + type + " public key");
  return Key(key);
}

Key rsa_key(const json& jwk) {
  const Number modulus = number(jwk, "n");
  const Number exponent = number(jwk, "e");
  ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!modulus || !exponent || !builder ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) ||
      !OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()))
    throw std::invalid_argument("JWK: bad RSA members \"n\" and \"e\"");
  return key_from("RSA", builder.get());
}

Key ec_key(const json& jwk) {
  const std::string curve = member(jwk, "crv");
  const char* group = curve == "P-256"   ? "prime256v1"
                      : curve == "P-384" ? "secp384r1"
                      : curve == "P-521" ? "secp521r1"
                                         : nullptr;
  if (group == nullptr) throw std::invalid_argument("JWK: unknown EC curve \"" + curve + "\"");
  // The uncompressed point: 0x04, then x and y.
  const std::string point = '\x04' + decoded_member(jwk, "x") + decoded_member(jwk, "y");
  ParamBuilder builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      !OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size()))
    throw std::invalid_argument("JWK: bad EC members");
  return key_from("EC", builder.get());
}

// RFC 7518 ties each ES algorithm to one curve; "" for a curve CodeArena does not accept.
std::string es_algorithm_of(EVP_PKEY* key) {
  char group[64] = {};
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                     nullptr) != 1)
    return "";
  const std::string name = group;
  return name == "prime256v1" ? "ES256" : name == "secp384r1" ? "ES384" : name == "secp521r1" ? "ES512" : "";
}

// Refuses keys anyone could forge signatures for: RSA below 2048 bits or with an exponent
// below 3 or even (e = 1 makes a signature of the padded hash itself), EC keys off the
// accepted curves or whose point is not on its curve. Returns the key's algorithm for EC keys
// (one per curve), "" for RSA.
std::string checked_algorithm(EVP_PKEY* key) {
  if (EVP_PKEY_base_id(key) == EVP_PKEY_RSA) {
    BIGNUM* raw_exponent = nullptr;
    if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &raw_exponent) != 1)
      throw std::invalid_argument("an RSA key without a public exponent");
    const Number exponent(raw_exponent);
    if (EVP_PKEY_get_bits(key) < 2048)
      throw std::invalid_argument("an RSA key of " + std::to_string(EVP_PKEY_get_bits(key)) +
                                  " bits (at least 2048 are needed)");
    if (!BN_is_odd(exponent.get()) || BN_is_one(exponent.get()))
      throw std::invalid_argument("an RSA key whose public exponent is not odd and at least 3");
    return "";
  }
  const std::string algorithm = es_algorithm_of(key);
  if (algorithm.empty()) throw std::invalid_argument("an EC key not on P-256, P-384 or P-521");
  KeyContext context(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!context || EVP_PKEY_public_check(context.get()) != 1)
    throw std::invalid_argument("an EC key whose point is not on its curve");
  return algorithm;
}

std::string pem_of(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1)
    throw std::invalid_argument("JWK: the key cannot be written as PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

PublicKey from_jwk(const json& jwk) {
  if (!jwk.is_object()) throw std::invalid_argument("JWKS: a key is not a JSON object");
  if (jwk.contains("d")) throw std::invalid_argument("JWKS: a key has private parts (\"d\")");
  const std::string type = member(jwk, "kty");
  PublicKey key;
  Key parsed;
  if (type == "RSA") {
    key.kind = PublicKey::Kind::kRsa;
    parsed = rsa_key(jwk);
  } else if (type == "EC") {
    key.kind = PublicKey::Kind::kEc;
    parsed = ec_key(jwk);
  } else {
    throw std::invalid_argument("JWKS: key type \"" + type + "\" is neither RSA nor EC");
  }
  key.pem = pem_of(parsed.get());
  key.key_id = optional_member(jwk, "kid");
  key.algorithm = optional_member(jwk, "alg");
  const std::string curve_algorithm = checked_algorithm(parsed.get());
  if (!curve_algorithm.empty()) {
    if (!key.algorithm.empty() && key.algorithm != curve_algorithm)
      throw std::invalid_argument("JWKS: the key \"" + key.key_id + "\" names \"" +
                                  key.algorithm + "\" but its curve is for " + curve_algorithm);
    key.algorithm = curve_algorithm;
  }
  return key;
}

// Several keys: each must have its own "kid", so that a token names the one key it is checked
// against (trying every key would let anyone make each request cost a signature check per key).
void require_distinct_key_ids(const std::vector<PublicKey>& keys) {
  if (keys.size() < 2) return;
  std::set<std::string> seen;
  for (const PublicKey& key : keys) {
    if (key.key_id.empty() || !seen.insert(key.key_id).second)
      throw std::invalid_argument("JWKS: with more than one signature key, each needs a \"kid\" "
                                  "of its own");
  }
}

std::vector<PublicKey> from_jwks(const std::string& text) {
  const json document = json::parse(text, nullptr, false);
  if (!document.is_object() || !document.contains("keys") || !document["keys"].is_array())
    throw std::invalid_argument("neither a PEM public key nor a JWKS ({\"keys\": [...]})");
  std::vector<PublicKey> keys;
  for (const auto& jwk : document["keys"]) {
    if (jwk.is_object() && optional_member(jwk, "use", "sig") != "sig") continue;
    keys.push_back(from_jwk(jwk));
  }
  if (keys.empty()) throw std::invalid_argument("the JWKS has no signature key");
  require_distinct_key_ids(keys);
  return keys;
}

PublicKey from_pem(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  const Key key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  const int type = key ? EVP_PKEY_base_id(key.get()) : 0;
  if (type != EVP_PKEY_RSA && type != EVP_PKEY_EC)
    throw std::invalid_argument("no RSA or EC public key in PEM (BEGIN PUBLIC KEY)");
  PublicKey parsed;
  parsed.kind = type == EVP_PKEY_RSA ? PublicKey::Kind::kRsa : PublicKey::Kind::kEc;
  parsed.pem = pem;
  parsed.algorithm = checked_algorithm(key.get());
  return parsed;
}

}  // namespace

std::optional<std::string> base64url_decode(std::string text) {
  for (char& c : text) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (text.size() % 4 != 0) text += '=';
  return common::base64_decode(text);
}

std::vector<PublicKey> parse_public_keys(const std::string& text) {
  if (text.find("-----BEGIN") != std::string::npos) return {from_pem(text)};
  return from_jwks(text);
}

}  // namespace codearena::http
