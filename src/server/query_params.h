#pragma once
// QueryParams: an admin request's query string, decoded by libevent, for the /api/ handlers. One
// parser for every endpoint, so they agree on what `a=1&a=2` or `%2F` mean.

#include <event2/keyvalq_struct.h>

#include <optional>
#include <string>
#include <string_view>

namespace rampart::server {

class QueryParams {
 public:
  explicit QueryParams(std::string_view query);
  ~QueryParams();
  QueryParams(const QueryParams&) = delete;
  QueryParams& operator=(const QueryParams&) = delete;

  // False when the query string is malformed (every lookup then finds nothing).
  bool ok() const { return ok_; }
  // The first value of `name`, decoded; nullopt when absent.
  std::optional<std::string> Get(const char* name) const;
  // The parameters in order, for endpoints that refuse unknown names.
  const evkeyval* first() const { return params_.tqh_first; }

 private:
  // An evkeyvalq's list head points into itself, so it is parsed in place and never copied.
  evkeyvalq params_{};
  bool ok_ = false;
};

}  // namespace rampart::server
