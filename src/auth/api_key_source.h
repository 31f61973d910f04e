#pragma once
// Where a route takes its API key from (a header, a query parameter or both) and the key file it
// checks it against. Shared by the auth stage, which admits the request, and the rate limiter,
// whose `api_key` key part counts requests by the key's name.

#include <memory>
#include <optional>
#include <string>

#include "auth/api_keys.h"
#include "http/message.h"

namespace rampart::auth {

class ApiKeySource {
 public:
  // `header` or `query` may be empty, not both.
  ApiKeySource(std::shared_ptr<const ApiKeys> keys, std::string header, std::string query)
      : keys_(std::move(keys)), header_(std::move(header)), query_(std::move(query)) {}

  // The key the request presents: the header's value when sent, else the query parameter's;
  // nullopt when neither is there or it is empty.
  std::optional<std::string> Presented(const http::Request& request) const;
  // The name of the known key `presented`; nullopt for an unknown key.
  std::optional<std::string> NameOf(std::string_view presented) const {
    return keys_->Find(presented);
  }

  const std::string& header() const { return header_; }
  const std::string& query() const { return query_; }

 private:
  std::shared_ptr<const ApiKeys> keys_;
  std::string header_;
  std::string query_;
};

}  // namespace rampart::auth
