#include "server/query_params.h"

#include <event2/http.h>
#include <sys/queue.h>

namespace rampart::server {

QueryParams::QueryParams(std::string_view query) {
  TAILQ_INIT(&params_);
  ok_ = query.empty() || evhttp_parse_query_str(std::string(query).c_str(), &params_) == 0;
}

QueryParams::~QueryParams() { evhttp_clear_headers(&params_); }

std::optional<std::string> QueryParams::Get(const char* name) const {
  // evhttp_find_header takes a non-const list but does not change it.
  const char* value = evhttp_find_header(const_cast<evkeyvalq*>(&params_), name);
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace rampart::server
