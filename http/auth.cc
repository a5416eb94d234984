#include "http/auth.h"

#include <jwt.h>
#include <openssl/evp.h>

#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace codearena::http {
namespace {

using nlohmann::json;

constexpr size_t kMaxTokenBytes = 16 << 10;
constexpr size_t kMinSecretBytes = 32;
constexpr Scope kScopes[] = {Scope::kSubmit, Scope::kRead, Scope::kAdmin};
constexpr const char* kRealm = "codearena";

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
struct CharFree {
  void operator()(char* text) const { std::free(text); }
};

// The header of a compact JWS, read before any key is chosen: an object with a string "alg".
json token_header(const std::string& token) {
  const size_t dot = token.find('.');
  if (dot == std::string::npos) throw TokenError("the token is not a compact JWS (no '.')");
  const auto header_text = base64url_decode(token.substr(0, dot));
  if (!header_text) throw TokenError("the token's header is not base64url");
  json header = json::parse(*header_text, nullptr, false);
  if (!header.is_object() || !header.contains("alg") || !header["alg"].is_string())
    throw TokenError("the token's header has no \"alg\"");
  if (header.contains("kid") && !header["kid"].is_string())
    throw TokenError("the token's \"kid\" is no string");
  return header;
}

std::optional<Scope> parse_scope(const std::string& name) {
  for (const Scope scope : kScopes) {
    if (name == scope_name(scope)) return scope;
  }
  return std::nullopt;
}

uint8_t scopes_of(const std::string& names) {
  uint8_t scopes = 0;
  std::istringstream words(names);
  std::string name;
  while (words >> name) {
    if (const auto scope = parse_scope(name)) scopes |= static_cast<uint8_t>(*scope);
  }
  return scopes;
}

uint8_t claimed_scopes(const json& claims) {
  uint8_t scopes = 0;
  for (const char* claim : {"scope", "scp"}) {
    const auto found = claims.find(claim);
    if (found == claims.end()) continue;
    if (found->is_string()) scopes |= scopes_of(found->get<std::string>());
    if (!found->is_array()) continue;
    for (const auto& name : *found) {
      if (name.is_string()) scopes |= scopes_of(name.get<std::string>());
    }
  }
  return scopes;
}

// Seconds as a double: claims may be fractional or far beyond int64_t.
double time_claim(const json& claims, const char* name) {
  const auto& value = claims.at(name);
  if (!value.is_number()) throw TokenError(std::string("the \"") + name + "\" claim is no number");
  return value.get<double>();
}

bool audience_matches(const json& claims, const std::string& audience) {
  const auto found = claims.find("aud");
  if (found == claims.end()) return false;
  if (found->is_string()) return *found == audience;
  return found->is_array() &&
         std::find(found->begin(), found->end(), json(audience)) != found->end();
}

void check_claims(const json& claims, const AuthConfig& config, int64_t now_s) {
  if (!claims.contains("exp")) throw TokenError("the token has no \"exp\" claim");
  const auto now = static_cast<double>(now_s);
  if (time_claim(claims, "exp") + static_cast<double>(config.leeway_s) < now)
    throw TokenError("the token expired");
  if (claims.contains("nbf") &&
      time_claim(claims, "nbf") - static_cast<double>(config.leeway_s) > now)
    throw TokenError("the token is not valid yet (\"nbf\")");
  if (!config.issuer.empty() && claims.value("iss", json()) != config.issuer)
    throw TokenError("the token's issuer is not " + config.issuer);
  if (!config.audience.empty() && !audience_matches(claims, config.audience))
    throw TokenError("the token is not meant for the audience " + config.audience);
  const auto subject = claims.value("sub", json());
  if (!subject.is_string() || subject.get<std::string>().empty())
    throw TokenError("the token has no \"sub\" claim");
}

// The characters RFC 6750 (section 3) allows in error_description, up to a length fit for a
// header: the reason may quote the token's own "alg" or "kid".
std::string quotable(const std::string& text) {
  constexpr size_t kMaxDescription = 200;
  std::string out;
  for (const char c : text) {
    if (out.size() == kMaxDescription) break;
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') out += c;
  }
  return out;
}

AuthDecision refused(int status, const std::string& code, const std::string& message,
                     const std::string& challenge) {
  AuthDecision decision;
  decision.status = status;
  decision.code = code;
  decision.message = message;
  decision.challenge = challenge;
  return decision;
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

}  // namespace

const char* scope_name(Scope scope) {
  switch (scope) {
    case Scope::kSubmit:
      return "jobs:submit";
    case Scope::kRead:
      return "jobs:read";
    case Scope::kAdmin:
      return "admin";
  }
  return "";
}

std::string read_public_key_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw std::invalid_argument("cannot read the public key file " + path + ": " +
                                std::strerror(errno));
  }
  std::stringstream text;
  text << file.rdbuf();
  try {
    parse_public_keys(text.str());
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument(path + ": " + error.what());
  }
  return text.str();
}

bool Principal::has(Scope scope) const {
  return (scopes & (static_cast<uint8_t>(scope) | static_cast<uint8_t>(Scope::kAdmin))) != 0;
}

bool Principal::may_access(const std::string& owner) const {
  return has(Scope::kAdmin) || (!owner.empty() && owner == subject);
}

TokenVerifier::TokenVerifier(const AuthConfig& config) : config_(config) {
  if (!config_.enabled()) throw std::invalid_argument("token verification needs a key");
  // RFC 7518 section 3.2: an HMAC key at least as long as the hash (HS256: 32 bytes).
  if (!config_.secret.empty() && config_.secret.size() < kMinSecretBytes)
    throw std::invalid_argument("the JWT secret has " + std::to_string(config_.secret.size()) +
                                " bytes; at least " + std::to_string(kMinSecretBytes) +
                                " are needed");
  if (!config_.public_keys.empty()) public_keys_ = parse_public_keys(config_.public_keys);
}

TokenVerifier::~TokenVerifier() = default;

std::vector<const std::string*> TokenVerifier::keys_for(const std::string& algorithm,
                                                        const std::string& key_id) const {
  const std::string family = algorithm.substr(0, 2);
  const bool known = jwt_str_alg(algorithm.c_str()) != JWT_ALG_INVAL && algorithm != "none";
  std::vector<const std::string*> keys;
  // HS384 and HS512 need secrets as long as their hashes (48 and 64 bytes) too.
  if (known && family == "HS" && !config_.secret.empty() &&
      config_.secret.size() * 8 >= std::stoul(algorithm.substr(2)))
    keys.push_back(&config_.secret);
  for (const PublicKey& key : public_keys_) {
    const auto kind = key.kind == PublicKey::Kind::kRsa ? "RS" : "ES";
    if (known && family == kind && (key.algorithm.empty() || key.algorithm == algorithm) &&
        (key.key_id == key_id ||
         (public_keys_.size() == 1 && (key_id.empty() || key.key_id.empty()))))
      keys.push_back(&key.pem);
  }
  if (keys.empty())
    throw TokenError("the algorithm \"" + algorithm + "\" is not accepted here" +
                     (key_id.empty() ? "" : " with the key id \"" + key_id + "\""));
  return keys;
}

Principal TokenVerifier::verify(const std::string& token, int64_t now_s) const {
  if (token.size() > kMaxTokenBytes) throw TokenError("the token is too long");
  const json header = token_header(token);
  const std::string algorithm = header["alg"].get<std::string>();
  std::unique_ptr<jwt_t, JwtFree> jwt;
  for (const std::string* key : keys_for(algorithm, header.value("kid", ""))) {
    jwt_t* decoded = nullptr;
    const int failed =
        jwt_decode(&decoded, token.c_str(), reinterpret_cast<const unsigned char*>(key->data()),
                   static_cast<int>(key->size()));
    jwt.reset(decoded);
    if (failed == 0 && jwt) break;
    jwt.reset();
  }
  if (!jwt) throw TokenError("the token's signature does not verify");
  if (jwt_get_alg(jwt.get()) != jwt_str_alg(algorithm.c_str()))
    throw TokenError("the token's algorithm changed while verifying");
  std::unique_ptr<char, CharFree> claims_text(jwt_get_grants_json(jwt.get(), nullptr));
  const json claims = claims_text ? json::parse(claims_text.get(), nullptr, false) : json();
  if (!claims.is_object()) throw TokenError("the token's claims are not a JSON object");
  check_claims(claims, config_, now_s);
  return Principal{claims["sub"].get<std::string>(), claimed_scopes(claims)};
}

Authenticator::Authenticator(const AuthConfig& config) {
  if (config.enabled()) verifier_.emplace(config);
}

AuthDecision Authenticator::check(const std::optional<std::string>& authorization, Scope needed,
                                  int64_t now_s) const {
  if (!verifier_) return AuthDecision{Principal{"", static_cast<uint8_t>(Scope::kAdmin)}};
  const std::string realm = std::string("Bearer realm=\"") + kRealm + "\"";
  constexpr const char* kScheme = "bearer ";
  const bool bearer = authorization && authorization->size() > std::strlen(kScheme) &&
                      strncasecmp(authorization->c_str(), kScheme, std::strlen(kScheme)) == 0;
  if (!bearer) {
    return refused(401, "unauthorized",
                   "this endpoint needs a bearer token (Authorization: Bearer <JWT>)", realm);
  }
  Principal principal;
  try {
    principal = verifier_->verify(authorization->substr(std::strlen(kScheme)), now_s);
  } catch (const TokenError& error) {
    return refused(
        401, "invalid_token", std::string("the bearer token is refused: ") + error.what(),
        realm + ", error=\"invalid_token\", error_description=\"" + quotable(error.what()) + "\"");
  }
  if (!principal.has(needed)) {
    return refused(403, "insufficient_scope",
                   std::string("the token lacks the scope ") + scope_name(needed),
                   realm + ", error=\"insufficient_scope\", scope=\"" + scope_name(needed) + "\"");
  }
  return AuthDecision{std::move(principal)};
}

json submission_audit(const Principal& principal, const std::string& client,
                      const actors::JobSpec& spec) {
  return {{"subject", principal.subject},
          {"remote", client},
          {"language", spec.language},
          {"codeBytes", spec.code.size()},
          {"codeSha256", sha256_hex(spec.code)}};
}

}  // namespace codearena::http
