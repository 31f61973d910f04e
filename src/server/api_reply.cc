#include "server/api_reply.h"

#include "core/strings.h"

namespace rampart::server {

std::string ApiErrorJson(std::string_view message) {
  std::string out = "{\"error\":\"";
  core::AppendJsonEscaped(out, message);
  out += "\"}";
  return out;
}

}  // namespace rampart::server
