#include "auth/api_key_source.h"

#include "http/query.h"

namespace rampart::auth {

std::optional<std::string> ApiKeySource::Presented(const http::Request& request) const {
  if (!header_.empty()) {
    if (const std::string* value = request.headers.Get(header_); value && !value->empty()) {
      return *value;
    }
  }
  if (!query_.empty()) {
    std::optional<std::string> value = http::FindQueryParam(request.query(), query_);
    if (value && !value->empty()) return value;
  }
  return std::nullopt;
}

}  // namespace rampart::auth
