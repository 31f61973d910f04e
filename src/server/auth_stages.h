#pragma once
// Builds a route's auth stage from its `auth` section: reads the JWKS or PEM key or HMAC secret,
// the htpasswd file and the API key file (errors name the file and line), resolves the auth
// service's URL. The API key source is returned apart: the rate limiter's `api_key` key part
// reads it too.

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "pipeline/exchange.h"
#include "pipeline/stage.h"

namespace rampart::auth {
class ApiKeySource;
}
namespace rampart::stages::auth {
class AuthCounters;
}

namespace rampart::server {

struct RouteAuth {
  std::shared_ptr<const auth::ApiKeySource> api_keys;   // null: no api_key method
  std::shared_ptr<const pipeline::StageFactory> stage;  // null: no auth on the route
  // The request fields the logs must mask (routing::Route::credential_fields); may be null.
  std::shared_ptr<const pipeline::CredentialFields> credential_fields;
};

// `counters`: the process's (kept across reloads); null: a private set.
RouteAuth BuildRouteAuth(const config::RouteConfig& route, size_t index,
                         const std::shared_ptr<stages::auth::AuthCounters>& counters,
                         std::vector<std::string>& errors);

// The files every route's auth reads, for the file watch (a rotated JWKS reloads the runtime).
std::vector<std::string> AuthFiles(const config::Config& config);

}  // namespace rampart::server
