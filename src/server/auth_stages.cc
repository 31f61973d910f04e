#include "server/auth_stages.h"

#include <fstream>
#include <sstream>

#include "auth/api_key_source.h"
#include "auth/api_keys.h"
#include "auth/htpasswd.h"
#include "auth/jwt.h"
#include "stages/auth/auth_stage.h"

namespace rampart::server {
namespace {

std::string Where(const config::SourceMark& mark, size_t index, std::string_view key) {
  return mark.file + ":" + std::to_string(mark.line) + ": routes[" + std::to_string(index) +
         "].auth." + std::string(key) + ": ";
}

// An HMAC secret file: its bytes, without the trailing line break editors add.
core::Result<std::shared_ptr<const auth::JwtKeySet>> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Error{path + ": cannot read"};
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  // RFC 7518 §3.2: an HMAC key at least as long as the hash (HS256: 32 bytes).
  if (secret.size() < 32) return core::Error{path + ": an HMAC secret needs at least 32 bytes"};
  return auth::JwtKeySet::FromHmacSecret(std::move(secret));
}

// Whether some key can verify one of `algorithms` (a secret_file with algorithms: [RS256] would
// refuse every token).
bool AnyAlgorithmFits(const auth::JwtKeySet& keys, const std::vector<std::string>& algorithms) {
  for (const auth::JwtKey& key : keys.keys()) {
    for (const std::string& alg : algorithms) {
      if (!key.alg.empty() && key.alg != alg) continue;
      const std::string family = alg.substr(0, 2);
      const bool fits =
          (key.kind == auth::JwtKey::kHmac && family == "HS") ||
          (key.kind == auth::JwtKey::kRsa && (family == "RS" || family == "PS")) ||
          (key.kind == auth::JwtKey::kEc && ((alg == "ES256" && key.curve == "P-256") ||
                                             (alg == "ES384" && key.curve == "P-384"))) ||
          (key.kind == auth::JwtKey::kOkp && alg == "EdDSA");
      if (fits) return true;
    }
  }
  return false;
}

std::optional<stages::auth::JwtMethod> BuildJwt(const config::JwtAuthConfig& c,
                                                const std::string& where,
                                                std::vector<std::string>& errors) {
  core::Result<std::shared_ptr<const auth::JwtKeySet>> keys =
      !c.jwks_file.empty()  ? auth::JwtKeySet::FromJwksFile(c.jwks_file)
      : !c.pem_file.empty() ? auth::JwtKeySet::FromPem(c.pem_file)
                            : ReadSecretFile(c.secret_file);
  if (!keys.ok()) {
    errors.push_back(where + keys.error().message);
    return std::nullopt;
  }
  if (keys.value()->keys().empty()) {
    errors.push_back(where + "no usable signing key");
    return std::nullopt;
  }
  if (!c.algorithms.empty() && !AnyAlgorithmFits(*keys.value(), c.algorithms)) {
    errors.push_back(where + "none of the algorithms can be verified with these keys (HS* need " +
                     "a secret, RS*/PS* an RSA key, ES256/ES384 a P-256/P-384 key, EdDSA an " +
                     "Ed25519 key)");
    return std::nullopt;
  }
  stages::auth::JwtMethod jwt;
  jwt.keys = keys.value();
  jwt.policy.algorithms = c.algorithms;
  jwt.policy.issuer = c.issuer;
  jwt.policy.audiences = c.audiences;
  // Token times are whole seconds: a part of a second counts as one.
  jwt.policy.leeway = std::chrono::seconds((c.leeway_ms + 999) / 1000);
  jwt.cookie = c.cookie;
  jwt.required_claims = c.required_claims;
  jwt.claims_to_headers = c.claims_to_headers;
  return jwt;
}

}  // namespace

RouteAuth BuildRouteAuth(const config::RouteConfig& route, size_t index,
                         const std::shared_ptr<stages::auth::AuthCounters>& counters,
                         std::vector<std::string>& errors) {
  RouteAuth out;
  if (!route.auth) return out;
  const config::AuthConfig& c = *route.auth;
  const size_t errors_before = errors.size();
  stages::auth::AuthSettings settings;
  settings.route_name = route.name;
  settings.realm = c.realm;
  settings.satisfy_all = c.satisfy_all;
  if (c.jwt) settings.jwt = BuildJwt(*c.jwt, Where(c.jwt->mark, index, "jwt"), errors);
  if (c.api_key) {
    auto keys = auth::ApiKeys::Load(c.api_key->file);
    if (!keys.ok()) {
      errors.push_back(Where(c.api_key->mark, index, "api_key") + keys.error().message);
    } else {
      out.api_keys =
          std::make_shared<auth::ApiKeySource>(keys.value(), c.api_key->header, c.api_key->query);
      settings.api_key = stages::auth::ApiKeyMethod{out.api_keys, c.api_key->name_header};
    }
  }
  if (c.basic) {
    auto users = auth::Htpasswd::Load(c.basic->htpasswd);
    if (!users.ok()) {
      errors.push_back(Where(c.basic->mark, index, "basic") + users.error().message);
    } else {
      settings.basic = stages::auth::BasicMethod{users.value(), c.basic->user_header};
    }
  }
  if (c.forward) {
    auto endpoint = stages::auth::ParseForwardAuthUrl(c.forward->url);
    if (!endpoint.ok()) {
      // The message starts "forward.url: ".
      const config::SourceMark& mark = c.forward->mark;
      errors.push_back(mark.file + ":" + std::to_string(mark.line) + ": routes[" +
                       std::to_string(index) + "].auth." + endpoint.error().message);
    } else {
      stages::auth::ForwardMethod forward;
      forward.endpoint = endpoint.value();
      forward.request_headers = c.forward->request_headers;
      forward.response_headers = c.forward->response_headers;
      forward.timeout = std::chrono::milliseconds(c.forward->timeout_ms);
      forward.error_status = c.forward->error_status;
      forward.original_method = c.forward->original_method;
      settings.forward = std::move(forward);
    }
  }
  if (errors.size() != errors_before) return out;
  auto stage = std::make_shared<stages::auth::AuthStageFactory>(std::move(settings), counters);
  out.credential_fields = stage->credential_fields();
  out.stage = std::move(stage);
  return out;
}

std::vector<std::string> AuthFiles(const config::Config& config) {
  std::vector<std::string> files;
  for (const config::RouteConfig& route : config.routes) {
    if (!route.auth) continue;
    const config::AuthConfig& c = *route.auth;
    if (c.jwt) {
      for (const std::string* f : {&c.jwt->jwks_file, &c.jwt->pem_file, &c.jwt->secret_file}) {
        if (!f->empty()) files.push_back(*f);
      }
    }
    if (c.api_key) files.push_back(c.api_key->file);
    if (c.basic) files.push_back(c.basic->htpasswd);
  }
  return files;
}

}  // namespace rampart::server
