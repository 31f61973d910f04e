#include "routing/hash_key.h"

#include "http/cookie.h"

namespace rampart::routing {

std::string_view HashKeyOf(const config::HashKeyConfig& key, const http::Request& request,
                           std::string_view path, std::string_view client_ip) {
  using Kind = config::HashKeyConfig::Kind;
  switch (key.kind) {
    case Kind::kClientIp:
      return client_ip;
    case Kind::kPath:
      return path;
    case Kind::kHeader:
      if (const std::string* value = request.headers.Get(key.name)) return *value;
      return client_ip;
    case Kind::kCookie:
      if (auto value = http::FindCookie(request.headers, key.name)) return *value;
      return client_ip;
  }
  return client_ip;
}

}  // namespace rampart::routing
