#include "http/auth.h"

#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using codearena::http::AuthConfig;
using codearena::http::Authenticator;
using codearena::http::Principal;
using codearena::http::Scope;
using codearena::http::TokenError;
using codearena::http::TokenVerifier;
using nlohmann::json;

constexpr int64_t kNow = 1'800'000'000;
const std::string kSecret = "a shared secret of 32 bytes or more";

json claims(json extra = json::object()) {
  json body = {{"sub", "alice"}, {"exp", kNow + 600}, {"scope", "jobs:submit jobs:read"}};
  body.update(extra);
  for (auto it = body.begin(); it != body.end();) it = it->is_null() ? body.erase(it) : ++it;
  return body;
}

// A token libjwt signs with `algorithm` and `key` (for RS*: the private key's PEM).
std::string token(jwt_alg_t algorithm, const std::string& key, const json& body = claims()) {
  jwt_t* raw = nullptr;
  REQUIRE(jwt_new(&raw) == 0);
  std::unique_ptr<jwt_t, decltype(&jwt_free)> jwt(raw, jwt_free);
  REQUIRE(jwt_add_grants_json(jwt.get(), body.dump().c_str()) == 0);
  const auto* key_bytes =
      key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data());
  REQUIRE(jwt_set_alg(jwt.get(), algorithm, key_bytes, static_cast<int>(key.size())) == 0);
  std::unique_ptr<char, decltype(&std::free)> text(jwt_encode_str(jwt.get()), std::free);
  REQUIRE(text);
  return text.get();
}

std::string base64url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<size_t>(EVP_EncodeBlock(
      reinterpret_cast<unsigned char*>(out.data()),
      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()))));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};

// The PEM texts of a freshly generated key (takes ownership of `generated`).
KeyPair pem_pair(EVP_PKEY* generated) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(generated, EVP_PKEY_free);
  REQUIRE(key);
  const auto pem = [&](bool secret) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    REQUIRE((secret ? PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                               nullptr)
                    : PEM_write_bio_PUBKEY(bio.get(), key.get())) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  };
  return {pem(true), pem(false)};
}

KeyPair rsa_key() {
  return pem_pair(EVP_RSA_gen(2048));
}

KeyPair ec_key() {
  return pem_pair(EVP_EC_gen("P-256"));
}

AuthConfig secret_config() {
  AuthConfig config;
  config.secret = kSecret;
  return config;
}

// `base` with the members of `changes` set.
json with(json base, const json& changes) {
  base.update(changes);
  return base;
}

Principal verify(const AuthConfig& config, const std::string& text) {
  return TokenVerifier(config).verify(text, kNow);
}

}  // namespace

TEST_CASE("auth: an HS256 token gives its subject and scopes", "[auth]") {
  const auto principal = verify(secret_config(), token(JWT_ALG_HS256, kSecret));
  CHECK(principal.subject == "alice");
  CHECK(principal.has(Scope::kSubmit));
  CHECK(principal.has(Scope::kRead));
  CHECK_FALSE(principal.has(Scope::kAdmin));
}

TEST_CASE("auth: scopes come from 'scope' or 'scp', and admin includes the others", "[auth]") {
  const auto scopes_of = [](const json& extra) {
    return verify(secret_config(), token(JWT_ALG_HS256, kSecret, claims(extra))).scopes;
  };
  CHECK(scopes_of({{"scope", "jobs:read unknown"}}) == static_cast<uint8_t>(Scope::kRead));
  CHECK(scopes_of({{"scope", nullptr}, {"scp", {"jobs:submit"}}}) ==
        static_cast<uint8_t>(Scope::kSubmit));
  CHECK(scopes_of({{"scope", nullptr}, {"scp", "admin"}}) == static_cast<uint8_t>(Scope::kAdmin));
  CHECK(scopes_of({{"scope", nullptr}}) == 0);
  const Principal admin{"ops", static_cast<uint8_t>(Scope::kAdmin)};
  CHECK(admin.has(Scope::kSubmit));
  CHECK(admin.may_access("alice"));
  CHECK(admin.may_access(""));
  const Principal alice{"alice", static_cast<uint8_t>(Scope::kRead)};
  CHECK(alice.may_access("alice"));
  CHECK_FALSE(alice.may_access("bob"));
  CHECK_FALSE(alice.may_access(""));
}

TEST_CASE("auth: time, issuer and audience claims are enforced", "[auth]") {
  auto config = secret_config();
  config.issuer = "https://issuer.test";
  config.audience = "api";
  const auto check = [&](const json& extra) {
    json defaults = {{"iss", "https://issuer.test"}, {"aud", "api"}};
    defaults.update(extra);
    return verify(config, token(JWT_ALG_HS256, kSecret, claims(defaults))).subject;
  };
  CHECK(check(json::object()) == "alice");
  CHECK(check({{"exp", kNow - config.leeway_s}}) == "alice");
  CHECK(check({{"aud", {"other", "api"}}}) == "alice");
  CHECK(check({{"nbf", kNow + config.leeway_s}}) == "alice");
  CHECK_THROWS_WITH(check({{"exp", kNow - config.leeway_s - 1}}), "the token expired");
  CHECK_THROWS_WITH(check({{"exp", nullptr}}), Catch::Contains("no \"exp\""));
  CHECK_THROWS_WITH(check({{"exp", "soon"}}), Catch::Contains("no number"));
  CHECK_THROWS_WITH(check({{"nbf", kNow + config.leeway_s + 1}}), Catch::Contains("nbf"));
  CHECK_THROWS_WITH(check({{"iss", "https://other.test"}}), Catch::Contains("issuer"));
  CHECK_THROWS_WITH(check({{"iss", nullptr}}), Catch::Contains("issuer"));
  CHECK_THROWS_WITH(check({{"aud", {"other"}}}), Catch::Contains("audience"));
  CHECK_THROWS_WITH(check({{"sub", nullptr}}), Catch::Contains("\"sub\""));
  CHECK_THROWS_WITH(check({{"sub", ""}}), Catch::Contains("\"sub\""));
}

TEST_CASE("auth: forged, unsigned and malformed tokens are refused", "[auth]") {
  const auto config = secret_config();
  CHECK_THROWS_AS(verify(config, token(JWT_ALG_HS256, "another secret")), TokenError);
  CHECK_THROWS_AS(verify(config, token(JWT_ALG_NONE, "")), TokenError);
  const std::string unsigned_token =
      base64url(R"({"alg":"none"})") + "." + base64url(claims().dump()) + ".";
  CHECK_THROWS_WITH(verify(config, unsigned_token), Catch::Contains("\"none\" is not accepted"));
  auto valid = token(JWT_ALG_HS256, kSecret);
  const auto signature = valid.substr(valid.rfind('.'));
  const auto elevated = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
                        base64url(claims({{"scope", "admin"}}).dump()) + signature;
  CHECK_THROWS_AS(verify(config, elevated), TokenError);
  for (const std::string& garbage :
       std::vector<std::string>{"", "abc", "a.b.c", "..", "e30.e30.", std::string(20000, 'a')}) {
    CHECK_THROWS_AS(verify(config, garbage), TokenError);
  }
}

TEST_CASE("auth: each algorithm family needs its own kind of key", "[auth]") {
  const auto rsa = rsa_key();
  AuthConfig config;
  config.public_keys = rsa.public_pem;
  CHECK(verify(config, token(JWT_ALG_RS256, rsa.private_pem)).subject == "alice");
  CHECK_THROWS_AS(verify(config, token(JWT_ALG_RS256, rsa_key().private_pem)), TokenError);
  // The public key's PEM as an HMAC secret: the classic algorithm confusion.
  CHECK_THROWS_WITH(verify(config, token(JWT_ALG_HS256, rsa.public_pem)),
                    Catch::Contains("\"HS256\" is not accepted"));
  const auto ec = ec_key();
  CHECK_THROWS_WITH(verify(config, token(JWT_ALG_ES256, ec.private_pem)),
                    Catch::Contains("\"ES256\" is not accepted"));
  CHECK_THROWS_WITH(verify(secret_config(), token(JWT_ALG_RS256, rsa.private_pem)),
                    Catch::Contains("\"RS256\" is not accepted"));
  AuthConfig ec_config;
  ec_config.public_keys = ec.public_pem;
  CHECK(verify(ec_config, token(JWT_ALG_ES256, ec.private_pem)).subject == "alice");
  CHECK_THROWS_AS(verify(ec_config, token(JWT_ALG_ES256, ec_key().private_pem)), TokenError);
  CHECK_THROWS_WITH(verify(ec_config, token(JWT_ALG_RS256, rsa.private_pem)),
                    Catch::Contains("\"RS256\" is not accepted"));

  config.secret = kSecret;
  CHECK(verify(config, token(JWT_ALG_HS256, kSecret)).subject == "alice");
  CHECK_THROWS_AS(verify(config, token(JWT_ALG_HS256, rsa.public_pem)), TokenError);

  AuthConfig not_a_key;
  not_a_key.public_keys = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
  CHECK_THROWS_AS(TokenVerifier(not_a_key), std::invalid_argument);
  CHECK_THROWS_AS(codearena::http::read_public_key_file("/nonexistent/key.pem"),
                  std::invalid_argument);
}

TEST_CASE("auth: requests get 401 or 403 with a Bearer challenge", "[auth]") {
  const Authenticator authenticator(secret_config());
  REQUIRE(authenticator.enabled());
  const auto absent = authenticator.check(std::nullopt, Scope::kRead, kNow);
  CHECK_FALSE(absent.principal);
  CHECK(absent.status == 401);
  CHECK(absent.code == "unauthorized");
  CHECK(absent.challenge == "Bearer realm=\"codearena\"");
  CHECK(authenticator.check("Basic eDp5", Scope::kRead, kNow).status == 401);

  const auto forged = authenticator.check("Bearer x.y.z", Scope::kRead, kNow);
  CHECK(forged.status == 401);
  CHECK(forged.code == "invalid_token");
  CHECK_THAT(forged.challenge,
             Catch::StartsWith("Bearer realm=\"codearena\", error=\"invalid_token\""));

  // The reason quotes the token's "alg": the challenge keeps only what a header may carry.
  const auto odd = json{{"alg", "\r\nSet-Cookie: x=\"1\"" + std::string(5000, 'A')}}.dump();
  const auto quoted = authenticator.check("Bearer " + base64url(odd) + ".e30.", Scope::kRead, kNow);
  CHECK(quoted.status == 401);
  CHECK(quoted.challenge.find_first_of("\r\n") == std::string::npos);
  CHECK(quoted.challenge.size() < 300);
  CHECK_THAT(quoted.challenge, Catch::EndsWith("AAAA\""));

  const auto reader = "bearer " + token(JWT_ALG_HS256, kSecret, claims({{"scope", "jobs:read"}}));
  CHECK(authenticator.check(reader, Scope::kRead, kNow).principal->subject == "alice");
  const auto lacking = authenticator.check(reader, Scope::kSubmit, kNow);
  CHECK(lacking.status == 403);
  CHECK(lacking.code == "insufficient_scope");
  CHECK(lacking.challenge ==
        "Bearer realm=\"codearena\", error=\"insufficient_scope\", scope=\"jobs:submit\"");

  const Authenticator open{AuthConfig{}};
  CHECK_FALSE(open.enabled());
  const auto anonymous = open.check(std::nullopt, Scope::kAdmin, kNow);
  REQUIRE(anonymous.principal);
  CHECK(anonymous.principal->subject.empty());
  CHECK(anonymous.principal->may_access(""));
}

TEST_CASE("auth: the submission audit hashes the code", "[auth]") {
  codearena::actors::JobSpec spec;
  spec.language = "python";
  spec.code = "abc";
  const auto audit = codearena::http::submission_audit({"alice", 0}, "10.0.0.1", spec);
  CHECK(audit["subject"] == "alice");
  CHECK(audit["remote"] == "10.0.0.1");
  CHECK(audit["codeBytes"] == 3);
  CHECK(audit["codeSha256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("auth: a JWKS gives its signature keys, and bad ones are refused", "[auth]") {
  using codearena::http::parse_public_keys;
  using codearena::http::PublicKey;
  // RFC 7515 appendix A.3's EC key and RFC 7517 appendix A.1's RSA key (public parts).
  const json ec = {{"kty", "EC"},
                   {"crv", "P-256"},
                   {"x", "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"},
                   {"y", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
                   {"kid", "ec-1"}};
  const json rsa = {
      {"kty", "RSA"},
      {"n",
       "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_"
       "BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-"
       "65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
       "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"},
      {"e", "AQAB"},
      {"alg", "RS256"},
      {"kid", "2011-04-29"}};
  const json encryption = with(rsa, {{"use", "enc"}, {"kid", "enc"}});
  const auto keys = parse_public_keys(json{{"keys", {ec, rsa, encryption}}}.dump());
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].kind == PublicKey::Kind::kEc);
  CHECK(keys[0].key_id == "ec-1");
  CHECK(keys[0].algorithm == "ES256");  // P-256's one algorithm.
  CHECK(keys[1].kind == PublicKey::Kind::kRsa);
  CHECK(keys[1].algorithm == "RS256");
  // The PEM written for libjwt reads back as the same kind of key.
  REQUIRE(parse_public_keys(keys[1].pem).size() == 1);
  CHECK(parse_public_keys(keys[1].pem)[0].kind == PublicKey::Kind::kRsa);

  const auto refusal = [](const json& document) {
    try {
      parse_public_keys(document.dump());
    } catch (const std::invalid_argument& error) {
      return std::string(error.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(refusal(json{{"keys", {with(ec, {{"d", "AAAA"}})}}}), Catch::Contains("private"));
  CHECK_THAT(refusal(json{{"keys", {{{"kty", "oct"}, {"k", "AAAA"}}}}}), Catch::Contains("oct"));
  CHECK_THAT(refusal(json{{"keys", {with(ec, {{"crv", "P-192"}})}}}), Catch::Contains("P-192"));
  CHECK_THAT(refusal(json{{"keys", {with(ec, {{"x", "AAAA"}})}}}),
             Catch::Contains("not a valid EC"));
  CHECK_THAT(refusal(json{{"keys", {encryption}}}), Catch::Contains("no signature key"));
  CHECK_THAT(refusal(json{{"keys", {with(rsa, {{"n", 42}})}}}), Catch::Contains("\"n\""));
  CHECK_THAT(refusal(json{{"no", "keys"}}), Catch::Contains("neither a PEM"));
  // Members of the wrong type are refused, never thrown as a JSON library error.
  for (const char* name : {"use", "kid", "alg"}) {
    INFO(name);
    CHECK_THAT(refusal(json{{"keys", {with(rsa, {{name, 5}})}}}), Catch::Contains(name));
  }
  // Keys anyone could forge signatures for.
  CHECK_THAT(refusal(json{{"keys", {with(rsa, {{"e", "AQ"}})}}}), Catch::Contains("exponent"));
  CHECK_THAT(refusal(json{{"keys", {with(rsa, {{"e", "Ag"}})}}}), Catch::Contains("exponent"));
  CHECK_THAT(refusal(json{{"keys", {with(rsa, {{"n", "AQAB"}})}}}), Catch::Contains("bits"));
  CHECK_THAT(refusal(json{{"keys", {with(ec, {{"alg", "ES512"}})}}}),
             Catch::Contains("its curve is for ES256"));
  // Several keys: each names itself, so that a token is checked against one key only.
  CHECK_THAT(refusal(json{{"keys", {ec, with(rsa, {{"kid", "ec-1"}})}}}),
             Catch::Contains("\"kid\" of its own"));
  json without_kid = rsa;
  without_kid.erase("kid");
  CHECK_THAT(refusal(json{{"keys", {ec, without_kid}}}), Catch::Contains("\"kid\" of its own"));
  CHECK(parse_public_keys(json{{"keys", {without_kid}}}.dump()).size() == 1);
}

TEST_CASE("auth: weak PEM keys and short secrets are refused", "[auth]") {
  using codearena::http::parse_public_keys;
  CHECK_THROWS_WITH(parse_public_keys(pem_pair(EVP_RSA_gen(1024)).public_pem),
                    Catch::Contains("1024 bits"));
  CHECK_THROWS_WITH(parse_public_keys(pem_pair(EVP_EC_gen("secp224r1")).public_pem),
                    Catch::Contains("P-256, P-384 or P-521"));

  AuthConfig short_secret;
  short_secret.secret = std::string(31, 's');
  CHECK_THROWS_WITH(TokenVerifier(short_secret), Catch::Contains("at least 32"));
  // HS384 and HS512 need secrets as long as their hashes.
  AuthConfig config;
  config.secret = std::string(32, 's');
  CHECK(verify(config, token(JWT_ALG_HS256, config.secret)).subject == "alice");
  CHECK_THROWS_WITH(verify(config, token(JWT_ALG_HS384, config.secret)),
                    Catch::Contains("\"HS384\" is not accepted"));
  config.secret = std::string(64, 's');
  CHECK(verify(config, token(JWT_ALG_HS512, config.secret)).subject == "alice");
}

TEST_CASE("auth: an EC key verifies its curve's algorithm only", "[auth]") {
  const auto ec = ec_key();  // P-256
  AuthConfig config;
  config.public_keys = ec.public_pem;
  CHECK(verify(config, token(JWT_ALG_ES256, ec.private_pem)).subject == "alice");
  CHECK_THROWS_WITH(verify(config, token(JWT_ALG_ES512, ec.private_pem)),
                    Catch::Contains("\"ES512\" is not accepted"));
}

TEST_CASE("auth: look-alike scopes, non-string subjects and odd schemes give nothing", "[auth]") {
  const auto config = secret_config();
  for (const json& scope : {json("jobs:submitadmin"), json("ADMIN"), json("admin:all"),
                            json("jobs:read\u00a0admin"), json({{"admin", true}}), json(4)}) {
    CAPTURE(scope.dump());
    CHECK(verify(config, token(JWT_ALG_HS256, kSecret, claims({{"scope", scope}}))).scopes == 0);
  }
  CHECK_THROWS_WITH(verify(config, token(JWT_ALG_HS256, kSecret, claims({{"sub", 7}}))),
                    Catch::Contains("\"sub\""));
  const Authenticator authenticator(config);
  const auto valid = token(JWT_ALG_HS256, kSecret);
  const auto status = [&](const std::string& header) {
    return authenticator.check(header, Scope::kSubmit, kNow).status;
  };
  CHECK(status("bEaReR " + valid) == 0);  // The scheme is case-insensitive (RFC 9110 11.1).
  for (const std::string& header : {"Bearer  " + valid, "Bearer " + valid + " ", "Bearer" + valid,
                                    "Basic " + valid, "Bearer " + valid + "\t"}) {
    CAPTURE(header);
    CHECK(status(header) == 401);
  }
}
