#pragma once
// The auth stage: who may call a route. It runs after rate_limit and before the bot and
// inspection stages, and checks, as the route's `auth` says:
//   jwt      a bearer token (Authorization: Bearer, or a cookie) verified with auth/jwt.h; the
//            route's required claims (403 when missing or not accepted); chosen claims sent to
//            the backend as headers
//   api_key  a key from a header or query parameter, found by the hash of the key
//   basic    Authorization: Basic against an htpasswd file; bcrypt and SHA-512 crypt run on the
//            offload pool, and a verified pair is remembered for a few minutes
//   forward  a sub-request to an auth service (forward_auth_client.h): 2xx passes (copying
//            chosen response headers to the request), 401/403 go back to the client, anything
//            else or a timeout answers `error_status` (503)
// With `satisfy: any` the first method (in the order api_key, jwt, basic) whose credentials the
// request presents decides, and forward auth decides when none is presented; with `all` every
// method must pass. Refusals answer 401 with a WWW-Authenticate challenge per method (or 403),
// are counted (auth_counters.h) and recorded as findings with source "auth" — never with the
// token, key or password. The headers the stage sets for the backend are always removed from
// the client's request first, so they cannot be spoofed.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth/api_key_source.h"
#include "auth/htpasswd.h"
#include "auth/jwt.h"
#include "auth/verified_credentials.h"
#include "pipeline/exchange.h"
#include "pipeline/stage.h"
#include "stages/auth/auth_counters.h"
#include "stages/auth/forward_auth_client.h"

namespace rampart::stages::auth {

struct JwtMethod {
  std::shared_ptr<const rampart::auth::JwtKeySet> keys;
  rampart::auth::JwtPolicy policy;
  std::string cookie;  // empty: the Authorization header only
  std::vector<std::pair<std::string, std::vector<std::string>>> required_claims;
  std::vector<std::pair<std::string, std::string>> claims_to_headers;  // claim -> header
};

struct ApiKeyMethod {
  std::shared_ptr<const rampart::auth::ApiKeySource> source;
  std::string name_header;  // empty: the key's name is not sent
};

struct BasicMethod {
  std::shared_ptr<const rampart::auth::Htpasswd> users;
  std::string user_header;  // empty: the user name is not sent
};

struct ForwardMethod {
  ForwardAuthEndpoint endpoint;
  std::vector<std::string> request_headers;   // copied to the sub-request
  std::vector<std::string> response_headers;  // copied from a 2xx answer to the request
  std::chrono::milliseconds timeout{1000};
  int error_status = 503;
  bool original_method = true;
};

struct AuthSettings {
  std::string route_name;
  std::string realm = "rampart";
  bool satisfy_all = false;
  std::optional<JwtMethod> jwt;
  std::optional<ApiKeyMethod> api_key;
  std::optional<BasicMethod> basic;
  std::optional<ForwardMethod> forward;
};

class AuthStageFactory final : public pipeline::StageFactory {
 public:
  // `counters` null: a private set (tests).
  AuthStageFactory(AuthSettings settings, std::shared_ptr<AuthCounters> counters);

  std::string_view name() const override { return "auth"; }
  std::unique_ptr<pipeline::Stage> Create() const override;

  const AuthSettings& settings() const { return settings_; }
  AuthCounters& counters() const { return *counters_; }
  // Shared: offloaded checks may finish after a reload dropped this factory.
  const std::shared_ptr<rampart::auth::VerifiedCredentials>& verified() const { return verified_; }
  // Every header the stage may set for the backend: removed from each request first.
  const std::vector<std::string>& identity_headers() const { return identity_headers_; }
  // The WWW-Authenticate challenges of the configured methods, in order.
  const std::vector<std::string>& challenges() const { return challenges_; }
  // The API key's header or query parameter, for the logs to mask; null without an API key.
  // The proxy sets them on the exchange as soon as the route matches (routing::Route), so that
  // a key refused by an earlier stage is masked too; the stage sets them as well, for chains
  // run without the proxy.
  const std::shared_ptr<const pipeline::CredentialFields>& credential_fields() const {
    return credential_fields_;
  }

 private:
  AuthSettings settings_;
  std::shared_ptr<AuthCounters> counters_;
  std::shared_ptr<rampart::auth::VerifiedCredentials> verified_;
  std::vector<std::string> identity_headers_;
  std::vector<std::string> challenges_;
  std::shared_ptr<const pipeline::CredentialFields> credential_fields_;
};

}  // namespace rampart::stages::auth
